package dev.stride.onnx;

import java.util.List;

/**
 * A graph input or output: its name, element type and shape, where each dimension is a number or
 * a symbol (a symbolic batch: {@code "batch"}, or unnamed when both are absent).
 */
public record OnnxValueInfo(String name, int elemType, List<Dim> dims) {
    public OnnxValueInfo {
        dims = List.copyOf(dims);
    }

    /** One dimension: {@code value} when known (>= 0), else -1 and maybe a {@code symbol}. */
    public record Dim(long value, String symbol) {
        public boolean known() {
            return value >= 0;
        }

        @Override
        public String toString() {
            return known() ? Long.toString(value) : symbol.isEmpty() ? "?" : symbol;
        }
    }
}
