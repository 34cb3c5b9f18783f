package dev.stride.onnx;

import java.util.List;

/**
 * A graph input or output: its name, element type and shape, where each dimension is a number or
 * a symbol (a symbolic batch: {@code "batch"}, or unnamed when both are absent).
 *
 * @param name the value's name
 * @param elemType the element type, as {@link OnnxTensor#typeName} numbers them
 * @param dims the dimensions
 */
public record OnnxValueInfo(String name, int elemType, List<Dim> dims) {
    /** Copies the dimension list. */
    public OnnxValueInfo {
        dims = List.copyOf(dims);
    }

    /**
     * One dimension: {@code value} when known (>= 0), else -1 and maybe a {@code symbol}.
     *
     * @param value the size, or -1
     * @param symbol the symbol's name, or null
     */
    public record Dim(long value, String symbol) {
        /**
         * Whether the size is known.
         *
         * @return true when {@code value} is at least 0
         */
        public boolean known() {
            return value >= 0;
        }

        @Override
        public String toString() {
            return known() ? Long.toString(value) : symbol.isEmpty() ? "?" : symbol;
        }
    }
}
