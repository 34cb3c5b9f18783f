import dev.stride.blas.OpenBlasLibrary;

/** Prints the libopenblas file Stride's loader picks (same property, environment and search order). */
public class WhichOpenBlas {
    public static void main(String[] args) {
        System.out.println(OpenBlasLibrary.load().path().toAbsolutePath());
    }
}
