package dev.stride.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ReferenceCaseDiscoveryTest {

    @TempDir
    Path tmp;

    private static List<String> names(List<ReferenceCase> cases) {
        return cases.stream().map(ReferenceCase::name).toList();
    }

    @Test
    void anIndexListsItsCasesInItsOrderAndNoOthers() throws IOException {
        for (String n : new String[] {"a", "b", "c"}) {
            CaseFiles.reluCase(tmp.resolve(n), n);
        }
        Files.writeString(tmp.resolve("index.txt"), "b relu\n\n# c is left out on purpose\na relu\n");
        assertEquals(List.of("b", "a"), names(ReferenceCases.discover(tmp)));
    }

    @Test
    void withoutAnIndexEverySubdirectoryWithCaseTxtIsACase() throws IOException {
        CaseFiles.reluCase(tmp.resolve("zeta"), "zeta");
        CaseFiles.reluCase(tmp.resolve("alpha"), "alpha");
        Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(tmp.resolve("README"), "not a case");
        assertEquals(List.of("alpha", "zeta"), names(ReferenceCases.discover(tmp)));
    }

    @Test
    void indexErrorsNameTheLine() throws IOException {
        CaseFiles.reluCase(tmp.resolve("a"), "a");
        assertIndexError("a relu\nb relu\n", "line 2 ('b relu'): lists case 'b' but");
        assertIndexError("a sigmoid\n", "says op 'sigmoid' but");
        assertIndexError("a\n", "line 1 ('a'): expected '<case-name> <op>'");
        assertIndexError("a relu\na relu\n", "case 'a' is listed twice");
        assertIndexError("../a relu\n", "plain name");
    }

    private void assertIndexError(String index, String part) throws IOException {
        Files.writeString(tmp.resolve("index.txt"), index);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceCases.discover(tmp));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void theSystemPropertyAddsADirectory() throws IOException {
        CaseFiles.reluCase(tmp.resolve("extra"), "extra_case");
        String before = System.getProperty(ReferenceCases.DIR_PROPERTY);
        try {
            System.clearProperty(ReferenceCases.DIR_PROPERTY);
            List<ReferenceCase> builtIn = ReferenceCases.all();
            assertFalse(builtIn.isEmpty());

            System.setProperty(ReferenceCases.DIR_PROPERTY, tmp.toString());
            List<ReferenceCase> all = ReferenceCases.all();
            assertEquals(builtIn.size() + 1, all.size());
            assertEquals("extra_case", all.getLast().name());
            assertEquals(List.of(ReferenceCases.builtInRoot(), tmp), ReferenceCases.roots());

            System.setProperty(ReferenceCases.DIR_PROPERTY, tmp.resolve("nowhere").toString());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ReferenceCases::roots);
            assertTrue(e.getMessage().contains("which is not a directory"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(ReferenceCases.DIR_PROPERTY);
            } else {
                System.setProperty(ReferenceCases.DIR_PROPERTY, before);
            }
        }
    }
}
