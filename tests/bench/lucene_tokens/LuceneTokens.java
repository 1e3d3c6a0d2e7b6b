// LuceneTokens: print Lucene 8's analyzer terms per record, one line each: "id<TAB>term term ...".
// The reference for spire's kernels/spr_analyzer.c (see compare.sh and docs/analyzer.md); not
// built by CMake.
//
//   java -cp lucene-core.jar:lucene-analyzers-common.jar:. LuceneTokens [--analyzer english|standard] [--tsv] FILE
//
// FILE is corpus JSONL ({"id","title","text"|"contents"}; analyzed text = title + "\n" + text, as
// /work/shared/peers/lucene/LuceneBench.java indexes it) or, with --tsv, queries "qid<TAB>text".
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

public class LuceneTokens {
  // Top-level string/number fields of one flat JSON object (enough for corpus.jsonl).
  static Map<String, String> parseFlat(String s) {
    Map<String, String> m = new HashMap<>();
    int[] pos = {0};
    skipWs(s, pos);
    expect(s, pos, '{');
    skipWs(s, pos);
    if (s.charAt(pos[0]) == '}') return m;
    while (true) {
      skipWs(s, pos);
      String k = str(s, pos);
      skipWs(s, pos);
      expect(s, pos, ':');
      skipWs(s, pos);
      char c = s.charAt(pos[0]);
      String v;
      if (c == '"') v = str(s, pos);
      else {
        int st = pos[0];
        while (pos[0] < s.length() && ",} \t".indexOf(s.charAt(pos[0])) < 0) pos[0]++;
        v = s.substring(st, pos[0]);
        if (v.equals("null")) v = null;
      }
      if (v != null) m.put(k, v);
      skipWs(s, pos);
      c = s.charAt(pos[0]++);
      if (c == '}') return m;
      if (c != ',') throw new IllegalArgumentException("expected , at " + (pos[0] - 1));
    }
  }
  static void skipWs(String s, int[] p) {
    while (p[0] < s.length() && Character.isWhitespace(s.charAt(p[0]))) p[0]++;
  }
  static void expect(String s, int[] p, char c) {
    if (s.charAt(p[0]) != c) throw new IllegalArgumentException("expected " + c + " at " + p[0]);
    p[0]++;
  }
  static String str(String s, int[] p) {
    expect(s, p, '"');
    StringBuilder b = new StringBuilder();
    while (true) {
      char c = s.charAt(p[0]++);
      if (c == '"') return b.toString();
      if (c != '\\') { b.append(c); continue; }
      char e = s.charAt(p[0]++);
      switch (e) {
        case 'n': b.append('\n'); break;
        case 't': b.append('\t'); break;
        case 'r': b.append('\r'); break;
        case 'b': b.append('\b'); break;
        case 'f': b.append('\f'); break;
        case 'u': b.append((char) Integer.parseInt(s.substring(p[0], p[0] + 4), 16)); p[0] += 4; break;
        default: b.append(e);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    String name = "english", path = null;
    boolean tsv = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--analyzer")) name = args[++i];
      else if (args[i].equals("--tsv")) tsv = true;
      else path = args[i];
    }
    Analyzer an = name.equals("standard") ? new StandardAnalyzer() : new EnglishAnalyzer();
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, "UTF-8");
    try (BufferedReader r = new BufferedReader(new InputStreamReader(new FileInputStream(path), StandardCharsets.UTF_8))) {
      String line;
      StringBuilder b = new StringBuilder();
      while ((line = r.readLine()) != null) {
        if (line.isEmpty()) continue;
        String id, body;
        if (tsv) {
          int tab = line.indexOf('\t');
          if (tab < 0) continue;
          id = line.substring(0, tab);
          body = line.substring(tab + 1);
        } else {
          Map<String, String> m = parseFlat(line);
          String title = m.get("title"), text = m.get("text");
          if (text == null) text = m.get("contents");
          id = m.get("id");
          body = (title == null ? "" : title) + "\n" + (text == null ? "" : text);
        }
        b.setLength(0);
        b.append(id).append('\t');
        boolean first = true;
        try (TokenStream ts = an.tokenStream("contents", body)) {
          CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
          ts.reset();
          while (ts.incrementToken()) {
            if (!first) b.append(' ');
            first = false;
            b.append(t.buffer(), 0, t.length());
          }
          ts.end();
        }
        out.println(b);
      }
    }
    out.flush();
  }
}
