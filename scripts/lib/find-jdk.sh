# Sourced by Stride's scripts: sets STRIDE_JAVA_HOME to a JDK 22 or newer.
# Stride needs the Foreign Function & Memory API, final since JDK 22; the default java on many
# machines is older, so look at JAVA_HOME first and then at every JDK under /usr/lib/jvm.

stride_java_major() {
  # "version "25.0.1"" or "version "17.0.15"" -> 25 / 17 (also handles the old "1.8.0" form)
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\(\.\([0-9]*\)\)\{0,1\}.*/\1 \3/p' | head -n1 |
    awk '{ if ($1 == 1) print $2; else print $1 }'
}

stride_find_jdk() {
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sed 's:/$::' | sort -t- -k2 -V -r); do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(stride_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 22 ]; then
      STRIDE_JAVA_HOME=$candidate
      return 0
    fi
  done
  echo "Stride needs a JDK 22 or newer (found none in JAVA_HOME or /usr/lib/jvm)." \
       "Install one, e.g. 'apt-get install openjdk-25-jdk' or Temurin 25, or point JAVA_HOME at it." >&2
  return 1
}
