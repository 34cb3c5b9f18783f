package dev.stride.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * The general residual composite: a main path of layers and a shortcut (the identity, or any
 * layer) whose outputs are summed, {@code y = main(x) + shortcut(x)}. What an imported ONNX graph's
 * fork that joins at an Add becomes. The main path's layers are the children "0", "1", ... and the
 * shortcut, when there is one, the child "shortcut"; a checkpoint stores it as a container line
 * ("Residual") with those children below it.
 */
public final class Residual extends ResidualBlock {
    private final int mainLayers;

    /**
     * {@code shortcut} null: the identity.
     *
     * @param main the main path's layers, in order
     * @param shortcut the shortcut layer, or null
     */
    public Residual(List<? extends Layer> main, Layer shortcut) {
        List<Layer> path = new ArrayList<>();
        for (int i = 0; i < main.size(); i++) {
            path.add(addChild(Integer.toString(i), main.get(i)));
        }
        this.mainLayers = path.size();
        paths(path, shortcut == null ? null : addChild("shortcut", shortcut), false);
    }

    @Override
    public String describe() {
        return "Residual(" + mainLayers + " layers + " + (children().containsKey("shortcut") ? "shortcut" : "identity") + ")";
    }
}
