package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The BMP ImageInputFuzzTest found: 203 bytes whose embedded JPEG claims 16 MB, which the JDK's
 * reader allocated as declared. Refused from the header, naming the file, before any decoding.
 */
class ImageDeclaredDataTest {
    private static final Path FOUND = Path.of("src/test/resources/fuzz/image/found-bmp-embedded-jpeg-claims-16mb.bmp");

    @TempDir
    Path dir;

    @Test
    void aBmpWhoseEmbeddedImageClaimsMoreThanTheFileIsRefused() throws IOException {
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(FOUND, 3));
        assertTrue(e.getMessage().startsWith(FOUND + ": a BMP whose embedded JPEG claims 16777576 bytes but the file holds 203"),
                e.getMessage());
    }

    @Test
    void anOrdinaryBmpStillDecodes() throws IOException {
        Path bmp = dir.resolve("ok.bmp");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(5, 3, java.awt.image.BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 1, 0xff0000);
        javax.imageio.ImageIO.write(img, "bmp", bmp.toFile());
        ImageDecoder.checkDeclaredData(bmp);
        U8Image decoded = ImageDecoder.decode(bmp, 3);
        assertEquals(5, decoded.width());
        assertEquals(3, decoded.height());
        assertTrue(Files.size(bmp) > 0);
    }
}
