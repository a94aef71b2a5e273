// Test tooling: answers grok and date questions the way an Elasticsearch ingest node would, one
// request per stdin line, one JSON answer per stdout line (so one JVM serves a whole test file).
//
//   SPEC <id> <b64 ecs_compatibility> <b64 pattern>... ; then DEF <id> <b64 name> <b64 definition>
//   GROK <id> <b64 input>          -> {"captures":{...}} | {"captures":null} | {"error":"..."}
//   DATE <b64 format> <b64 zone> <b64 input> -> {"value":"2026-01-05T10:00:00.123Z"} | {"error":...}
//
// GROK is Elasticsearch's grok library used as GrokProcessor uses it: the built-in bank of the
// ecs_compatibility mode extended with pattern_definitions, the patterns joined as
// (?:p1)|(?:p2)|... (combinePatterns without trace_match), and the captures of the first match.
// DATE reads a date processor format with java.time, as Elasticsearch's DateFormatters do for
// custom patterns (UNIX_MS and ISO8601 as named formats), in the processor's time zone when the
// text has none, and writes the processor's default output format yyyy-MM-dd'T'HH:mm:ss.SSSXXX.
// Values are base64 (UTF-8) so any text fits on one line.
import org.elasticsearch.grok.Grok;
import org.elasticsearch.grok.GrokBuiltinPatterns;
import org.elasticsearch.grok.MatcherWatchdog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

public class GrokCheck {
  static final class Spec {
    String ecs = "v1";
    final List<String> patterns = new ArrayList<>();
    final Map<String, String> defs = new LinkedHashMap<>();
    Grok grok;
    String error;
  }

  static String b64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }

  static void json(StringBuilder out, Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String s) {
      out.append('"');
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
          }
        }
      }
      out.append('"');
    } else if (v instanceof Number || v instanceof Boolean) {
      out.append(v);
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) out.append(',');
        first = false;
        json(out, String.valueOf(e.getKey()));
        out.append(':');
        json(out, e.getValue());
      }
      out.append('}');
    } else if (v instanceof List<?> l) {
      out.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) out.append(',');
        json(out, l.get(i));
      }
      out.append(']');
    } else {
      json(out, String.valueOf(v));
    }
  }

  static Map<String, Object> one(String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(key, value);
    return m;
  }

  static Map<String, Object> grok(Spec spec, String input) {
    if (spec.grok == null && spec.error == null) {
      try {
        String combined;
        if (spec.patterns.size() == 1) {
          combined = spec.patterns.get(0);
        } else {
          List<String> wrapped = new ArrayList<>();
          for (String p : spec.patterns) wrapped.add("(?:" + p + ")");
          combined = String.join("|", wrapped);
        }
        spec.grok = new Grok(
            GrokBuiltinPatterns.get(spec.ecs).extendWith(spec.defs), combined, MatcherWatchdog.noop(), m -> {});
      } catch (RuntimeException e) {
        spec.error = String.valueOf(e.getMessage());
      }
    }
    if (spec.error != null) return one("error", spec.error);
    return one("captures", spec.grok.captures(input));
  }

  static final DateTimeFormatter OUTPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT);

  static Map<String, Object> date(String format, String zone, String input) {
    try {
      ZoneId tz = ZoneId.of(zone);
      ZonedDateTime t;
      if (format.equals("UNIX_MS")) {
        t = Instant.ofEpochMilli(Long.parseLong(input)).atZone(tz);
      } else if (format.equals("ISO8601")) {
        TemporalAccessor a = DateTimeFormatter.ISO_DATE_TIME.parse(input);
        t = a.isSupported(ChronoField.OFFSET_SECONDS) ? OffsetDateTime.from(a).atZoneSameInstant(tz) : LocalDateTime.from(a).atZone(tz);
      } else {
        TemporalAccessor a = DateTimeFormatter.ofPattern(format, Locale.ENGLISH).parse(input);
        t = a.isSupported(ChronoField.OFFSET_SECONDS) ? OffsetDateTime.from(a).atZoneSameInstant(tz) : LocalDateTime.from(a).atZone(tz);
      }
      return one("value", OUTPUT.format(t.withZoneSameInstant(tz)));
    } catch (RuntimeException e) {
      return one("error", String.valueOf(e.getMessage()));
    }
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    Map<String, Spec> specs = new HashMap<>();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isEmpty()) continue;
      String[] f = line.split(" ", -1);
      Map<String, Object> answer = null;
      switch (f[0]) {
        case "SPEC" -> {
          Spec s = new Spec();
          s.ecs = b64(f[2]);
          for (int i = 3; i < f.length; i++) s.patterns.add(b64(f[i]));
          specs.put(f[1], s);
        }
        case "DEF" -> specs.get(f[1]).defs.put(b64(f[2]), b64(f[3]));
        case "GROK" -> answer = grok(specs.get(f[1]), b64(f[2]));
        case "DATE" -> answer = date(b64(f[1]), b64(f[2]), b64(f[3]));
        default -> answer = one("error", "unknown request " + f[0]);
      }
      if (answer != null) {
        StringBuilder sb = new StringBuilder();
        json(sb, answer);
        out.println(sb);
        out.flush();
      }
    }
  }
}
