package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;

class JsonNumbersTest {
    private static String unstorable(String json) throws Exception {
        try (JsonParser p = new JsonFactory().createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            String bad = JsonNumbers.skipChildrenFindingUnstorable(p);
            assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            assertThat(p.nextToken()).isNull();
            return bad;
        }
    }

    @Test
    void numbers_a_double_holds_are_storable() throws Exception {
        assertThat(unstorable("{\"a\":1,\"b\":[-0,1.5e308,-1e-400,9223372036854775807,{\"c\":0.1}]}")).isNull();
        assertThat(unstorable("{\"a\":" + "9".repeat(300) + "}")).isNull();
    }

    @Test
    void numbers_past_a_double_or_with_a_huge_exponent_are_not() throws Exception {
        assertThat(unstorable("{\"a\":[1,{\"b\":1e400}]}")).isEqualTo("1e400");
        assertThat(unstorable("{\"a\":-" + "9".repeat(400) + "}")).startsWith("-999");
        assertThat(unstorable("{\"a\":0e99999940464354}")).isEqualTo("0e99999940464354");
        assertThat(unstorable("{\"a\":1E-100000}")).isEqualTo("1E-100000");
    }
}
