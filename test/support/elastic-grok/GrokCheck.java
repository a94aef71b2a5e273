// Test tooling: runs Elasticsearch's grok library the way the ingest grok processor does
// (GrokProcessor: built-in ecs-v1 or legacy bank extended with pattern_definitions, the patterns
// joined as (?:p1)|(?:p2)|..., first captures of the combined expression) and prints one JSON line
// per input. Input on stdin, one item per line, values base64 (UTF-8):
//   E <ecs_compatibility: v1|disabled>   D <name> <definition>   P <pattern>   I <input>
// Output per input: {"captures":{...}} or {"captures":null}; a bad pattern: {"error":"..."}.
import org.elasticsearch.grok.Grok;
import org.elasticsearch.grok.GrokBuiltinPatterns;
import org.elasticsearch.grok.MatcherWatchdog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class GrokCheck {
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

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String ecs = "v1";
    Map<String, String> defs = new LinkedHashMap<>();
    List<String> patterns = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isEmpty()) continue;
      String[] f = line.split(" ");
      switch (f[0]) {
        case "E" -> ecs = b64(f[1]);
        case "D" -> defs.put(b64(f[1]), b64(f[2]));
        case "P" -> patterns.add(b64(f[1]));
        case "I" -> inputs.add(f.length > 1 ? b64(f[1]) : "");
        default -> throw new IllegalArgumentException("unknown line kind " + f[0]);
      }
    }
    StringBuilder out = new StringBuilder();
    Grok grok;
    try {
      // As GrokProcessor.combinePatterns(patterns, traceMatch=false).
      String combined;
      if (patterns.size() == 1) {
        combined = patterns.get(0);
      } else {
        List<String> wrapped = new ArrayList<>();
        for (String p : patterns) wrapped.add("(?:" + p + ")");
        combined = String.join("|", wrapped);
      }
      grok = new Grok(GrokBuiltinPatterns.get(ecs).extendWith(defs), combined, MatcherWatchdog.noop(), m -> {});
    } catch (RuntimeException e) {
      Map<String, Object> err = new LinkedHashMap<>();
      err.put("error", e.getMessage());
      json(out, err);
      System.out.println(out);
      return;
    }
    for (String input : inputs) {
      Map<String, Object> res = new LinkedHashMap<>();
      res.put("captures", grok.captures(input));
      json(out, res);
      out.append('\n');
    }
    System.out.print(out);
  }
}
