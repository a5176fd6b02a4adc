package org.dl4jmeta.io;

import java.io.IOException;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The JSON of model files and result files, through the Jackson that ND4J ships (shaded), so the project adds no
 * JSON dependency. Records map to objects field by field; unknown fields are errors, so a misspelt configuration key
 * is reported, not ignored.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private static final ObjectMapper LINES = MAPPER.copy().disable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** @return the shared mapper (thread-safe once configured; do not reconfigure it) */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * @param value a record, map, list or scalar
     * @return its indented JSON
     * @throws IllegalArgumentException if it cannot be written as JSON
     */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param value a record, map, list or scalar
     * @return its JSON on one line (for JSON-lines files)
     * @throws IllegalArgumentException if it cannot be written as JSON
     */
    public static String line(Object value) {
        try {
            return LINES.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param value a record, map, list or scalar
     * @return its JSON tree
     */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * @param text JSON text
     * @return its tree
     * @throws IOException if the text is not JSON; the message gives line and column
     */
    public static JsonNode parse(String text) throws IOException {
        return MAPPER.readTree(text);
    }

    /**
     * @param text JSON object text
     * @return the object
     * @throws IOException if the text is not a JSON object
     */
    public static ObjectNode parseObject(String text) throws IOException {
        JsonNode n = MAPPER.readTree(text);
        if (n == null || !n.isObject()) {
            throw new IOException("expected a JSON object, got " + (n == null ? "nothing" : n.getNodeType()));
        }
        return (ObjectNode) n;
    }
}
