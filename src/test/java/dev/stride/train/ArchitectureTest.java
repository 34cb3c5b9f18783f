package dev.stride.train;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Dropout;
import dev.stride.nn.Elu;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.Models;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Prelu;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.Silu;
import dev.stride.nn.Tanh;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchitectureTest {

    @Test
    void everyLayerTypeRoundTrips() {
        Sequential model = new Sequential(
                new Conv2d(new Conv2dSpec(3, 8, 3, 2, 2, 1, false, true)), new Prelu(8), new Maxout(2),
                new MaxPool2d(new PoolSpec(3, 3, 2, 1, true)), new AvgPool2d(PoolSpec.of(2, 2)),
                new LeakyRelu(0.1f), new Elu(0.5f), new Sigmoid(), new Tanh(), new Silu(), new Relu(),
                new Dropout(0.25f, 7), new GlobalAvgPool(), new Flatten(), new Linear(4, 10, false, GemmBackend.java()));
        String text = Architecture.encode(model);
        String again = Architecture.encode(Architecture.decode(text, GemmBackend.java()));
        assertEquals(text, again);
        assertEquals(15, text.lines().count());
        assertTrue(text.startsWith("Conv2d in=3 out=8 kh=3 kw=2 stride=2 pad=1 bias=false floor=true\n"), text);
    }

    @Test
    void lenetDescribesItself() {
        String text = Architecture.encode(Models.lenet5(GemmBackend.java()));
        assertEquals("""
                Conv2d in=1 out=6 kh=5 kw=5 stride=1 pad=2 bias=true floor=false
                Relu
                MaxPool2d kh=2 kw=2 stride=2 pad=0 floor=false
                Conv2d in=6 out=16 kh=5 kw=5 stride=1 pad=0 bias=true floor=false
                Relu
                MaxPool2d kh=2 kw=2 stride=2 pad=0 floor=false
                Flatten
                Linear in=400 out=120 bias=true
                Relu
                Linear in=120 out=84 bias=true
                Relu
                Linear in=84 out=10 bias=true
                """, text);
    }

    @Test
    void badTextNamesTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.decode("Relu\nConv2d in=1 out=2\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("missing kh="), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Architecture.decode("Softplus\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("unknown layer type Softplus"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Architecture.decode("\n", GemmBackend.java()));
    }
}
