package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ImageDecoder#read(byte[], String)}: the same image and the same refusals as reading the file. */
class ImageDecoderBytesTest {
    private static final Path FOUND = Path.of("src/test/resources/fuzz/image/found-bmp-embedded-jpeg-claims-16mb.bmp");

    @TempDir
    Path dir;

    @Test
    void bytesDecodeToTheSamePixelsAsTheFile() throws IOException {
        BufferedImage img = new BufferedImage(9, 7, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(3);
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 9; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        Path png = dir.resolve("a.png");
        ImageIO.write(img, "png", png.toFile());

        U8Image fromBytes = ImageDecoder.of(ImageDecoder.read(Files.readAllBytes(png), "a.png"), 3);
        U8Image fromFile = ImageDecoder.decode(png, 3);

        assertEquals(9, fromBytes.width());
        assertEquals(7, fromBytes.height());
        assertArrayEquals(fromFile.pixels(), fromBytes.pixels());
    }

    @Test
    void aBmpWhoseEmbeddedImageClaimsMoreThanItHoldsIsRefusedNamingIt() throws IOException {
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(Files.readAllBytes(FOUND), "row 4"));
        assertTrue(e.getMessage().startsWith("row 4: a BMP whose embedded JPEG claims 16777576 bytes but the file holds 203"),
                e.getMessage());
    }

    @Test
    void aPngDeclaringMorePixelsThanTheCapIsRefusedFromItsHeader() {
        byte[] png = pngHeader(100_000, 100_000);
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(png, "huge.png"));
        assertTrue(e.getMessage().startsWith("huge.png: 100000x100000 pixels is more than the " + ImageDecoder.MAX_PIXELS),
                e.getMessage());
    }

    @Test
    void bytesThatAreNoImageAreRefusedNamingThem() {
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(new byte[] {1, 2, 3, 4}, "row 0"));
        assertTrue(e.getMessage().startsWith("row 0: not an image this Java can read"), e.getMessage());
        IOException cut = assertThrows(IOException.class,
                () -> ImageDecoder.read(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3}, "cut.png"));
        assertTrue(cut.getMessage().startsWith("cut.png: "), cut.getMessage());
    }

    /** A PNG signature and an IHDR chunk (8-bit grey) declaring width x height, with no pixel data. */
    private static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height).put(new byte[] {8, 0, 0, 0, 0});
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}).putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return png.array();
    }
}
