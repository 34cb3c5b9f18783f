package dev.stride.train;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.AdaptiveAvgPool2d;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.ChannelPadShortcut;
import dev.stride.nn.Concat;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Dropout;
import dev.stride.nn.Elu;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Layer;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.Models;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Prelu;
import dev.stride.nn.Relu;
import dev.stride.nn.Relu6;
import dev.stride.nn.Sequential;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.Silu;
import dev.stride.nn.SqueezeExcitation;
import dev.stride.nn.Tanh;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchitectureTest {

    @Test
    void everyLayerTypeRoundTrips() {
        Sequential model = new Sequential(
                new Conv2d(new Conv2dSpec(3, 8, 3, 2, 2, 1, false, true)), new Prelu(8), new Maxout(2),
                new MaxPool2d(new PoolSpec(3, 3, 2, 1, true)), new AvgPool2d(PoolSpec.of(2, 2)),
                new LeakyRelu(0.1f), new Elu(0.5f), new Sigmoid(), new Tanh(), new Silu(), new Relu(), new Relu6(),
                new Conv2d(Conv2dSpec.of(4, 8, 3, 2, 1).withGroups(4).withFloor(true)),
                new Dropout(0.25f, 7), new GlobalAvgPool(), new Flatten(), new Linear(4, 10, false, GemmBackend.java()));
        String text = Architecture.encode(model);
        String again = Architecture.encode(Architecture.decode(text, GemmBackend.java()));
        assertEquals(text, again);
        assertEquals(18, text.lines().count());
        assertTrue(text.contains("\n  11: Relu6\n  12: Conv2d in=4 out=8 kh=3 kw=3 stride=2 pad=1 bias=true floor=true groups=4\n"), text);
        assertTrue(text.startsWith("Sequential\n  0: Conv2d in=3 out=8 kh=3 kw=2 stride=2 pad=1 bias=false floor=true\n"), text);
    }

    @Test
    void nestedTreesRoundTripWithTheirNames() {
        SequencedMap<String, Layer> features = new LinkedHashMap<>();
        features.put("conv", new Conv2d(Conv2dSpec.of(1, 2, 3, 1, 1), GemmBackend.java()));
        features.put("act", new Relu());
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("features", Sequential.of(features));
        top.put("flatten", new Flatten());
        top.put("classifier", new Sequential(new Linear(2 * 4 * 4, 3, true, GemmBackend.java())));
        String text = Architecture.encode(Sequential.of(top));
        assertEquals("""
                Sequential
                  features: Sequential
                    conv: Conv2d in=1 out=2 kh=3 kw=3 stride=1 pad=1 bias=true floor=false
                    act: Relu
                  flatten: Flatten
                  classifier: Sequential
                    0: Linear in=32 out=3 bias=true
                """, text);
        assertEquals(text, Architecture.encode(Architecture.decode(text, GemmBackend.java())));
    }

    @Test
    void blocksRoundTripAndTheirChildLinesMustBeTheirOwn() {
        SequencedMap<String, Layer> branches = new LinkedHashMap<>();
        branches.put("branch1", new Conv2d(Conv2dSpec.of(4, 2, 1, 1, 0), GemmBackend.java()));
        branches.put("branch2", new Sequential(new AdaptiveAvgPool2d(3, 3), new ChannelPadShortcut(1, 6)));
        Sequential model = new Sequential(Concat.of(branches), new SqueezeExcitation(8, 2, GemmBackend.java()));
        String text = Architecture.encode(model);
        assertEquals("""
                Sequential
                  0: Concat
                    branch1: Conv2d in=4 out=2 kh=1 kw=1 stride=1 pad=0 bias=true floor=false
                    branch2: Sequential
                      0: AdaptiveAvgPool2d h=3 w=3
                      1: ChannelPadShortcut stride=1 out=6
                  1: SqueezeExcitation channels=8 hidden=2
                    fc1: Linear in=8 out=2 bias=true
                    relu: Relu
                    fc2: Linear in=2 out=8 bias=true
                    gate: Sigmoid
                """, text);
        assertEquals(text, Architecture.encode(Architecture.decode(text, GemmBackend.java())));

        String edited = text.replace("fc2: Linear in=2 out=8", "fc2: Linear in=2 out=9");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Architecture.decode(edited, GemmBackend.java()));
        assertTrue(e.getMessage().contains("line 7") && e.getMessage().contains("at 1)")
                && e.getMessage().contains("edit the block's own line"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.decode("Sequential\n  0: Concat\n    only: Relu\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("at least two child lines"), e.getMessage());
    }

    @Test
    void basicBlocksKeepTheirShortcutKindThroughTheText() {
        String text = Architecture.encode(new Sequential(dev.stride.nn.BasicBlock.cifar(2, 4, 2, GemmBackend.java())));
        assertTrue(text.contains("0: BasicBlock in=2 out=4 stride=2 se=0 shortcut=pad\n    conv1:") && text.contains("shortcut: ChannelPadShortcut"),
                text);
        assertEquals(text, Architecture.encode(Architecture.decode(text, GemmBackend.java())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.decode(text.replace("shortcut=pad", "shortcut=zero"), GemmBackend.java()));
        assertTrue(e.getMessage().contains("shortcut must be pad"), e.getMessage());
    }

    @Test
    void formatOneFlatListsStillDecode() {
        Sequential flat = Architecture.decodeFlat("Conv2d in=1 out=6 kh=5 kw=5 stride=1 pad=2 bias=true floor=false\nRelu\n",
                GemmBackend.java());
        assertEquals(2, flat.layers().size());
        assertEquals("Sequential\n  0: Conv2d in=1 out=6 kh=5 kw=5 stride=1 pad=2 bias=true floor=false\n  1: Relu\n",
                Architecture.encode(flat));
    }

    /** groups= is written only for grouped layers (older lines stay as they were) and read as 1 when absent. */
    @Test
    void groupsAreOptional() {
        Sequential model = (Sequential) Architecture.decode("""
                Sequential
                  dw: Conv2d in=6 out=12 kh=3 kw=3 stride=1 pad=1 bias=false floor=false groups=6
                  pw: Conv2d in=12 out=4 kh=1 kw=1 stride=1 pad=0 bias=true floor=false
                """, GemmBackend.java());
        assertEquals(Conv2dSpec.of(6, 12, 3, 1, 1).withBias(false).withGroups(6), ((Conv2d) model.children().get("dw")).spec());
        assertEquals(1, ((Conv2d) model.children().get("pw")).spec().groups());
        assertTrue(Architecture.encode(model).contains("pw: Conv2d in=12 out=4 kh=1 kw=1 stride=1 pad=0 bias=true floor=false\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Architecture.decode(
                "Sequential\n  0: Conv2d in=6 out=6 kh=3 kw=3 stride=1 pad=1 bias=true floor=false groups=0\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("groups"), e.getMessage());
    }

    @Test
    void lenetDescribesItself() {
        String text = Architecture.encode(Models.lenet5(GemmBackend.java()));
        assertEquals("""
                Sequential
                  0: Conv2d in=1 out=6 kh=5 kw=5 stride=1 pad=2 bias=true floor=false
                  1: Relu
                  2: MaxPool2d kh=2 kw=2 stride=2 pad=0 floor=false
                  3: Conv2d in=6 out=16 kh=5 kw=5 stride=1 pad=0 bias=true floor=false
                  4: Relu
                  5: MaxPool2d kh=2 kw=2 stride=2 pad=0 floor=false
                  6: Flatten
                  7: Linear in=400 out=120 bias=true
                  8: Relu
                  9: Linear in=120 out=84 bias=true
                  10: Relu
                  11: Linear in=84 out=10 bias=true
                """, text);
    }

    @Test
    void badTextNamesTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.decode("Sequential\n  0: Relu\n  1: Conv2d in=1 out=2\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("at 1)") && e.getMessage().contains("missing kh="),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.decode("Sequential\n  0: Relu\n  head: Softplus\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("unknown layer type Softplus") && e.getMessage().contains("at head"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.decode("Sequential\n  0: Relu\n      1: Relu\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("indented"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Architecture.decode("Sequential\n  0: Relu\n  0: Tanh\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("two children named '0'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Architecture.decode("Relu\n  0: Tanh\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("has no children"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Architecture.decode("Sequential\n", GemmBackend.java()));
        assertTrue(e.getMessage().contains("at least one child"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Architecture.decode("\n", GemmBackend.java()));
    }
}
