package io.guise.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads access point configs and routing snapshots from JSON or YAML into the
 * protobuf messages of {@code guise/v1}.
 *
 * <p>Field names are the proto names (snake_case), the same names the proto3 JSON
 * mapping accepts, but without its camelCase aliases. The loader rejects unknown
 * fields, duplicate keys, values of the wrong type, integers out of range for
 * their field, nulls, YAML aliases and a second document, and reports all of
 * them at once with their paths and lines. It checks the shape of the document
 * only; {@code io.guise.validation.RoutingValidator} checks the values.
 *
 * <p>Thread-safe: the methods share only immutable, thread-safe factories.
 */
public final class ConfigLoader {

    /** Document syntax. */
    public enum Format {
        JSON,
        YAML
    }

    /** Maximum document size: characters for text, bytes for files. */
    public static final int MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;

    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(64)
            .maxNumberLength(64)
            .maxStringLength(1024 * 1024)
            .maxNameLength(1024)
            .maxDocumentLength(MAX_DOCUMENT_CHARS)
            .build();

    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .streamReadConstraints(LIMITS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final YAMLFactory YAML_FACTORY = YAMLFactory.builder()
            .loaderOptions(yamlLoaderOptions())
            .streamReadConstraints(LIMITS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigLoader() {}

    /**
     * Reads an access point config from a file: JSON when the name ends in
     * {@code .json}, YAML for {@code .yaml} or {@code .yml}, otherwise JSON when
     * the first non-blank character is '{' and YAML when it is not.
     *
     * @throws ConfigException when the file cannot be read or is not a valid config
     */
    public static AccessPointConfig loadAccessPoint(Path file) throws ConfigException {
        return load(file, AccessPointConfig.getDefaultInstance());
    }

    /** Reads a routing snapshot from a file, choosing the format as {@link #loadAccessPoint} does. */
    public static RoutingSnapshot loadSnapshot(Path file) throws ConfigException {
        return load(file, RoutingSnapshot.getDefaultInstance());
    }

    /** Parses an access point config. Every problem starts with {@code sourceName}. */
    public static AccessPointConfig parseAccessPoint(String text, Format format, String sourceName)
            throws ConfigException {
        return parse(text, format, AccessPointConfig.getDefaultInstance(), sourceName);
    }

    /** Parses a routing snapshot. Every problem starts with {@code sourceName}. */
    public static RoutingSnapshot parseSnapshot(String text, Format format, String sourceName)
            throws ConfigException {
        return parse(text, format, RoutingSnapshot.getDefaultInstance(), sourceName);
    }

    /**
     * Reads a file into a message of the prototype's type.
     *
     * @throws ConfigException when the file cannot be read or is not a valid document
     */
    public static <M extends Message> M load(Path file, M prototype) throws ConfigException {
        requireNonNull(file, "file");
        requireNonNull(prototype, "prototype");
        final String sourceName = file.toString();
        final String text = readUtf8(file, sourceName);
        return parse(text, formatOf(file, text), prototype, sourceName);
    }

    /**
     * Parses text into a message of the prototype's type.
     *
     * @throws ConfigException listing every problem found, each on its own line
     */
    public static <M extends Message> M parse(String text, Format format, M prototype, String sourceName)
            throws ConfigException {
        requireNonNull(text, "text");
        requireNonNull(format, "format");
        requireNonNull(prototype, "prototype");
        requireNonNull(sourceName, "sourceName");
        if (text.length() > MAX_DOCUMENT_CHARS) {
            throw new ConfigException(sourceName, List.of(sourceName + ": document of " + text.length()
                    + " characters (expected: at most " + MAX_DOCUMENT_CHARS + ")"));
        }

        final ObjectNode tree = readTree(text, format, prototype, sourceName);
        return merge(tree, prototype, sourceName);
    }

    private static <M extends Message> M merge(ObjectNode tree, M prototype, String sourceName)
            throws ConfigException {
        final Message.Builder builder = prototype.newBuilderForType();
        try {
            JsonFormat.parser().merge(tree.toString(), builder);
        } catch (InvalidProtocolBufferException e) {
            // The tree reader checks what JsonFormat checks, so this is a safety net.
            throw new ConfigException(sourceName, List.of(sourceName + ": " + e.getMessage()));
        }
        @SuppressWarnings("unchecked") // newBuilderForType() builds the prototype's own type
        final M message = (M) builder.build();
        return message;
    }

    /**
     * Converts a part of a larger document, already read into a tree, into a
     * message of the prototype's type, with the same checks as {@link #parse}.
     * Problem paths start with {@code basePath}, such as {@code personas[2]}, and
     * their lines come from {@code lineOfPath}, which maps a full path to its line
     * in the source (0 or less when unknown).
     *
     * @throws ConfigException listing every problem found, each on its own line
     */
    public static <M extends Message> M parseTree(JsonNode tree, M prototype, String sourceName, String basePath,
                                                  ToIntFunction<String> lineOfPath) throws ConfigException {
        requireNonNull(tree, "tree");
        requireNonNull(prototype, "prototype");
        requireNonNull(sourceName, "sourceName");
        requireNonNull(basePath, "basePath");
        requireNonNull(lineOfPath, "lineOfPath");
        final ProtoTreeReader reader;
        final ObjectNode checked;
        try (JsonParser parser = tree.traverse()) {
            reader = new ProtoTreeReader(parser, sourceName, basePath, lineOfPath);
            checked = reader.readDocument(prototype.getDescriptorForType());
        } catch (IOException e) {
            // Walking a tree in memory performs no I/O, so this is a reader failure.
            throw new ConfigException(sourceName, List.of(sourceName + ": " + basePath + ": unreadable: " + e));
        }
        if (!reader.problems().isEmpty()) {
            throw new ConfigException(sourceName, reader.problems());
        }
        return merge(checked, prototype, sourceName);
    }

    /** Returns the format for a file name, or from the text when the name has no known extension. */
    static Format formatOf(Path file, String text) {
        final Path fileName = file.getFileName();
        final String name = fileName == null ? "" : fileName.toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return Format.JSON;
        }
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return Format.YAML;
        }
        return text.stripLeading().startsWith("{") ? Format.JSON : Format.YAML;
    }

    private static ObjectNode readTree(String text, Format format, Message prototype, String sourceName)
            throws ConfigException {
        final JsonFactory factory = format == Format.JSON ? JSON_FACTORY : YAML_FACTORY;
        final ProtoTreeReader reader;
        final ObjectNode tree;
        try (JsonParser parser = factory.createParser(text)) {
            reader = new ProtoTreeReader(parser, sourceName);
            tree = reader.readDocument(prototype.getDescriptorForType());
        } catch (JsonProcessingException e) {
            // Syntax errors and exceeded StreamReadConstraints limits.
            throw new ConfigException(sourceName, List.of(syntaxProblem(sourceName, format, e)));
        } catch (YAMLException e) {
            // SnakeYAML limits such as the code point limit surface unwrapped.
            throw new ConfigException(sourceName, List.of(sourceName + ": invalid YAML: " + e.getMessage()));
        } catch (IOException e) {
            // Reading from a String performs no I/O, so this is a parser failure.
            throw new ConfigException(sourceName, List.of(sourceName + ": unreadable " + format + ": " + e));
        }
        if (!reader.problems().isEmpty()) {
            throw new ConfigException(sourceName, reader.problems());
        }
        return tree;
    }

    private static String syntaxProblem(String sourceName, Format format, JsonProcessingException e) {
        final int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        final String location = line > 0 ? sourceName + ":" + line : sourceName;
        // The original message leaves out Jackson's "at [Source: ...]" suffix.
        // YAML parser messages span lines with a caret drawing; one line with single spaces reads better.
        final String detail = e.getOriginalMessage().replace("^", "").replaceAll("\\s+", " ").trim();
        return location + ": invalid " + format + ": " + detail;
    }

    private static String readUtf8(Path file, String sourceName) throws ConfigException {
        return readUtf8(file, sourceName, MAX_DOCUMENT_CHARS);
    }

    /**
     * Reads a whole file as strict UTF-8 text of at most {@code maxBytes}, with the
     * problems that other loaders of user files report too: not found, permission
     * denied, a folder, too large, not UTF-8.
     *
     * @throws ConfigException naming the file and the problem
     */
    public static String readUtf8(Path file, String sourceName, long maxBytes) throws ConfigException {
        try {
            final long size = Files.size(file);
            if (size > maxBytes) {
                throw new ConfigException(sourceName, List.of(sourceName + ": file of " + size
                        + " bytes (expected: at most " + maxBytes + ")"));
            }
            final byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(sourceName, List.of(sourceName + ": not valid UTF-8 text (expected: "
                    + "a UTF-8 JSON or YAML file)"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(sourceName, List.of(sourceName + ": file not found"));
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException(sourceName, List.of(sourceName + ": permission denied"));
        } catch (IOException e) {
            final String reason = Files.isDirectory(file) ? "is a directory (expected: a file)" : e.getMessage();
            throw new ConfigException(sourceName, List.of(sourceName + ": cannot be read: " + reason));
        }
    }

    private static LoaderOptions yamlLoaderOptions() {
        final LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_DOCUMENT_CHARS);
        // The loader rejects every alias, so none needs expanding.
        options.setMaxAliasesForCollections(0);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(64);
        options.setAllowDuplicateKeys(false);
        return options;
    }
}
