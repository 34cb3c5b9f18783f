package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageFolderTest {
    static void write(Path file, int type, int w, int h, int rgb, String format) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        assertTrue(ImageIO.write(img, format, file.toFile()), format);
    }

    @Test
    void classesSortByCodePointAndEveryFormatDecodes(@TempDir Path root) throws IOException {
        write(root.resolve("b/x.png"), BufferedImage.TYPE_INT_ARGB, 7, 5, 0xff102030, "png");
        write(root.resolve("B/y.jpg"), BufferedImage.TYPE_INT_RGB, 40, 30, 0x808080, "jpg");
        write(root.resolve("a/deep/z.bmp"), BufferedImage.TYPE_INT_RGB, 3, 3, 0x00ff00, "bmp");
        write(root.resolve("\uD83D\uDE00/g.gif"), BufferedImage.TYPE_BYTE_INDEXED, 9, 9, 0xffffff, "gif");
        write(root.resolve("\uFF21/u16.png"), BufferedImage.TYPE_USHORT_GRAY, 6, 4, 0x404040, "png");
        Files.writeString(root.resolve("a/notes.txt"), "ignored");
        ImageFolderDataset d = ImageFolder.scan(root, 3, 8);
        // Python: sorted(["b", "B", "a", "\U0001F600", "\uFF21"]) == ['B', 'a', 'b', 'Ａ', '😀']
        assertEquals(List.of("B", "a", "b", "\uFF21", "\uD83D\uDE00"), d.classNames());
        assertEquals(5, d.count());
        byte[] px = new byte[d.sampleSize()];
        d.read(2, px); // b/x.png, RGBA: alpha dropped
        assertEquals(0x10, px[0]);
        assertEquals(0x20, px[64]);
        assertEquals(0x30, px[128]);
        d.read(1, px); // a/deep/z.bmp: pure green
        assertEquals(0, px[0]);
        assertEquals(255, Byte.toUnsignedInt(px[64]));
        d.read(3, px); // 16-bit grey
        assertEquals(px[0], px[64]);
    }

    @Test
    void splitsByFoldersOrBySeededShare(@TempDir Path root) throws IOException {
        for (int i = 0; i < 10; i++) {
            write(root.resolve("all/cat/" + i + ".png"), BufferedImage.TYPE_BYTE_GRAY, 4, 4, 0, "png");
            write(root.resolve("all/dog/" + i + ".png"), BufferedImage.TYPE_BYTE_GRAY, 4, 4, 0, "png");
        }
        ImageFolder.Split s = ImageFolder.open(root.resolve("all"), 1, 4, 0.25, 3);
        assertEquals(15, s.train().count());
        assertEquals(5, s.test().count());
        assertEquals(s.test().file(0), ImageFolder.open(root.resolve("all"), 1, 4, 0.25, 3).test().file(0), "seeded");

        write(root.resolve("split/train/a/1.png"), BufferedImage.TYPE_BYTE_GRAY, 4, 4, 0, "png");
        write(root.resolve("split/val/a/2.png"), BufferedImage.TYPE_BYTE_GRAY, 4, 4, 0, "png");
        ImageFolder.Split f = ImageFolder.open(root.resolve("split"), 1, 4, 0.25, 3);
        assertEquals(1, f.train().count());
        assertTrue(f.test().file(0).toString().endsWith("2.png"));
    }

    @Test
    void emptyFoldersAndBrokenImagesAreNamed(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("empty"));
        IOException e = assertThrows(IOException.class, () -> ImageFolder.scan(root.resolve("empty"), 3, 8));
        assertTrue(e.getMessage().startsWith(root.resolve("empty") + ": holds no class folders"), e.getMessage());

        Files.createDirectories(root.resolve("d/none"));
        write(root.resolve("d/ok/1.png"), BufferedImage.TYPE_INT_RGB, 4, 4, 0, "png");
        e = assertThrows(IOException.class, () -> ImageFolder.scan(root.resolve("d"), 3, 8));
        assertTrue(e.getMessage().startsWith(root.resolve("d/none") + ": class folder with no images"), e.getMessage());

        Files.writeString(root.resolve("d/none/fake.jpg"), "this is not a JPEG");
        ImageFolderDataset d = ImageFolder.scan(root.resolve("d"), 3, 8);
        e = assertThrows(IOException.class, () -> d.read(0, new byte[d.sampleSize()]));
        assertTrue(e.getMessage().startsWith(root.resolve("d/none/fake.jpg") + ": "), e.getMessage());

        List<String> warnings = new ArrayList<>();
        try (Arena arena = Arena.ofConfined();
             DataLoader loader = new DataLoader(d, Normalization.identity(3), LoaderSpec.training(4, 1, 0), arena)) {
            loader.onWarning(warnings::add);
            assertTrue(loader.next());
            assertEquals(1, loader.size(), "the broken image is skipped, the epoch goes on");
            assertFalse(loader.next());
        }
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("fake.jpg"), warnings.getFirst());
    }
}
