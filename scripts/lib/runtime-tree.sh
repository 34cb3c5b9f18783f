# Sourced by scripts/consumer-dependencies and scripts/check-examples: what a project that depends on
# dev.stride:stride may get at run time. The core's only dependency is the OpenBLAS bundle (its
# JavaCPP excluded); the command line's libraries are optional and must not reach a consumer.
STRIDE_ALLOWED_RUNTIME='org.bytedeco:openblas:jar:linux-x86_64:'

# stride_check_runtime_tree TREE VERSION: TREE is the output of dependency:tree -Dscope=runtime, its
# first line the project itself, then lines like "   \- group:artifact:type[:classifier]:version:scope".
# Returns 0 when dev.stride:stride:VERSION is there and nothing but OpenBLAS besides; otherwise
# prints what is wrong to stderr, starting with "FAIL:", and returns 1.
stride_check_runtime_tree() {
  local tree=$1 version=$2 unexpected
  if ! grep -q "^[-+|\\ ]*dev\.stride:stride:jar:$version:" "$tree"; then
    echo "FAIL: dev.stride:stride:$version is not in the runtime dependencies ($tree)" >&2
    return 1
  fi
  unexpected=$(sed -n '2,$p' "$tree" | sed 's/^[-+|\\ ]*//' |
    grep -v -e "^dev\.stride:stride:jar:$version:" -e "^$STRIDE_ALLOWED_RUNTIME" || true)
  if [ -n "$unexpected" ]; then
    echo "FAIL: besides Stride and OpenBLAS ($STRIDE_ALLOWED_RUNTIME*) the runtime dependencies hold:" >&2
    sed 's/^/  /' <<<"$unexpected" >&2
    return 1
  fi
}
