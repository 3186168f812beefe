package org.defenderadx.simulator.kql.syntax;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.defenderadx.simulator.kql.KqlException;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.syntax.Ast.Assignment;
import org.defenderadx.simulator.kql.syntax.Ast.Expr;
import org.defenderadx.simulator.kql.syntax.Ast.Op;
import org.defenderadx.simulator.kql.syntax.Ast.SortKey;
import org.defenderadx.simulator.kql.syntax.Token.Kind;

/** Recursive-descent parser for the KQL subset; produces an {@link Ast.Query}. */
public final class Parser {

  private static final Set<String> COMPARISONS = Set.of("==", "!=", "<>", "<", "<=", ">", ">=", "=~", "!~");
  private static final Set<String> STRING_PREDICATES = Set.of("has", "!has", "has_cs", "!has_cs", "contains",
      "!contains", "contains_cs", "!contains_cs", "startswith", "!startswith", "startswith_cs", "!startswith_cs",
      "endswith", "!endswith", "endswith_cs", "!endswith_cs", "hasprefix", "!hasprefix", "hassuffix", "!hassuffix",
      "has_any", "has_all");

  private final List<Token> tokens;
  private int p;

  private Parser(String text) {
    this.tokens = Lexer.tokenize(text);
  }

  public static Ast.Query parse(String text) {
    return new Parser(text).query();
  }

  private Ast.Query query() {
    Ast.Query q = block(false);
    if (peek().kind() != Kind.EOF) {
      throw error(peek(), "expected ';' or end of query");
    }
    return q;
  }

  /** Statements up to the end of the query, or up to the closing brace of a function body. */
  private Ast.Query block(boolean braces) {
    List<Ast.Let> lets = new ArrayList<>();
    Expr body = null;
    while (true) {
      while (peek().isOp(";")) {
        p++;
      }
      if (peek().kind() == Kind.EOF || braces && peek().isOp("}")) {
        break;
      }
      Token t = peek();
      if (t.isWord("let") && peekAt(1).kind() != Kind.OP) {
        p++;
        String name = identifier("a name after 'let'");
        expectOp("=");
        Expr value = isLambdaStart() ? lambda() : pipeExpr();
        if (body == null) {
          lets.add(new Ast.Let(name, value, t.pos()));
        }
      } else if (t.isWord("set") && peekAt(1).kind() == Kind.IDENT) {
        while (!peek().isOp(";") && peek().kind() != Kind.EOF) {
          p++;
        }
      } else {
        Expr e = pipeExpr();
        if (body == null) {
          body = e; // Kusto returns one table per statement; the first is the primary result
        }
      }
      if (peek().kind() != Kind.EOF && !peek().isOp(";") && !(braces && peek().isOp("}"))) {
        throw error(peek(), "expected ';' or end of query");
      }
    }
    if (body == null) {
      throw new KqlException(KqlException.Kind.SYNTAX, "The query has no tabular expression to return");
    }
    return new Ast.Query(lets, body);
  }

  private boolean isLambdaStart() {
    return peek().isOp("(") && (peekAt(1).isOp(")") && peekAt(2).isOp("{")
        || peekAt(1).kind() == Kind.IDENT && peekAt(2).isOp(":"));
  }

  private Expr lambda() {
    Token start = next();
    List<Ast.Param> params = new ArrayList<>();
    if (!peek().isOp(")")) {
      do {
        String name = identifier("a parameter name");
        expectOp(":");
        KqlType type = null;
        if (peek().isOp("(")) {
          int depth = 0;
          do { // a tabular parameter's schema, such as (*) or (x:long); any table is accepted
            if (peek().isOp("(")) {
              depth++;
            } else if (peek().isOp(")")) {
              depth--;
            } else if (peek().kind() == Kind.EOF) {
              throw error(peek(), "expected ')'");
            }
            p++;
          } while (depth > 0);
        } else {
          type = typeName();
        }
        Expr def = acceptOp("=") ? expr() : null;
        params.add(new Ast.Param(name, type, def));
      } while (acceptOp(","));
    }
    expectOp(")");
    expectOp("{");
    Ast.Query body = block(true);
    expectOp("}");
    return new Ast.Lambda(params, body, start.pos());
  }

  // ---- tabular ----

  private Expr pipeExpr() {
    Expr source = source();
    if (!peek().isOp("|")) {
      return source;
    }
    List<Op> ops = new ArrayList<>();
    while (peek().isOp("|")) {
      p++;
      ops.add(operator());
    }
    return new Ast.Pipe(source, ops, source.pos());
  }

  private Expr source() {
    Token t = peek();
    if (t.kind() == Kind.IDENT) {
      switch (t.text()) {
        case "print":
          p++;
          return new Ast.Print(assignments(), t.pos());
        case "datatable":
          if (peekAt(1).isOp("(")) {
            p++;
            return datatable(t);
          }
          break;
        case "union":
          p++;
          String ws = withSource();
          return new Ast.Union(unionTables(), ws, t.pos());
        case "range":
          if (peekAt(1).kind() == Kind.IDENT && peekAt(2).isWord("from")) {
            p++;
            String col = identifier("a column name");
            expectWord("from");
            Expr from = expr();
            expectWord("to");
            Expr to = expr();
            expectWord("step");
            return new Ast.Range(col, from, to, expr(), t.pos());
          }
          break;
        default:
          break;
      }
    }
    return expr();
  }

  /** Reads union's parameters (kind=, isfuzzy=, withsource=); returns the withsource column or null. */
  private String withSource() {
    String column = null;
    while (peek().kind() == Kind.IDENT && peekAt(1).isOp("=")
        && Set.of("withsource", "kind", "isfuzzy").contains(peek().text())) {
      String key = next().text();
      p++;
      if (key.equals("withsource")) {
        column = identifier("a column name after withsource=");
      } else {
        next(); // kind=inner|outer and isfuzzy=true|false do not change results over known tables
      }
    }
    return column;
  }

  private List<Expr> unionTables() {
    List<Expr> tables = new ArrayList<>();
    do {
      tables.add(primaryOrParen());
    } while (acceptOp(","));
    return tables;
  }

  private Expr primaryOrParen() {
    return postfix(primary());
  }

  private Ast.Datatable datatable(Token start) {
    expectOp("(");
    List<Ast.ColumnDecl> cols = new ArrayList<>();
    do {
      String name = identifier("a column name");
      expectOp(":");
      cols.add(new Ast.ColumnDecl(name, typeName()));
    } while (acceptOp(","));
    expectOp(")");
    expectOp("[");
    List<Expr> values = new ArrayList<>();
    if (!peek().isOp("]")) {
      do {
        if (peek().isOp("]")) {
          break; // trailing comma
        }
        values.add(expr());
      } while (acceptOp(","));
    }
    expectOp("]");
    return new Ast.Datatable(cols, values, start.pos());
  }

  private KqlType typeName() {
    Token t = next();
    if (t.kind() != Kind.IDENT) {
      throw error(t, "expected a type name");
    }
    try {
      return KqlType.fromName(t.text());
    } catch (IllegalArgumentException e) {
      throw error(t, "unknown type '" + t.text() + "'");
    }
  }

  private Op operator() {
    Token t = next();
    if (t.kind() != Kind.IDENT) {
      throw error(t, "expected a query operator after '|'");
    }
    switch (t.text()) {
      case "where":
      case "filter":
        return new Ast.Where(expr(), t.pos());
      case "extend":
        return new Ast.Extend(assignments(), t.pos());
      case "project":
        return new Ast.Project(assignments(), t.pos());
      case "project-away":
        return new Ast.ProjectAway(namePatterns(), t.pos());
      case "project-keep":
        return new Ast.ProjectKeep(namePatterns(), t.pos());
      case "project-rename": {
        List<String[]> renames = new ArrayList<>();
        do {
          String newName = identifier("a new column name");
          expectOp("=");
          renames.add(new String[] {newName, identifier("an existing column name")});
        } while (acceptOp(","));
        return new Ast.ProjectRename(renames, t.pos());
      }
      case "order":
      case "sort":
        expectWord("by");
        return new Ast.Sort(sortKeys(), t.pos());
      case "serialize":
        return new Ast.Serialize(atOperatorEnd() ? List.of() : assignments(), t.pos());
      case "take":
      case "limit":
        return new Ast.Take(expr(), t.pos());
      case "top": {
        Expr n = expr();
        expectWord("by");
        return new Ast.Top(n, sortKeys(), t.pos());
      }
      case "count":
        return new Ast.Count(t.pos());
      case "summarize": {
        List<Assignment> aggs = peek().isWord("by") ? List.of() : assignments();
        List<Assignment> by = List.of();
        if (peek().isWord("by")) {
          p++;
          by = assignments();
        }
        return new Ast.Summarize(aggs, by, t.pos());
      }
      case "distinct": {
        if (acceptOp("*")) {
          return new Ast.Distinct(List.of(), t.pos());
        }
        List<Expr> cols = new ArrayList<>();
        do {
          cols.add(expr());
        } while (acceptOp(","));
        return new Ast.Distinct(cols, t.pos());
      }
      case "getschema":
        return new Ast.GetSchema(t.pos());
      case "union": {
        String ws = withSource();
        return new Ast.UnionWith(unionTables(), ws, t.pos());
      }
      case "as":
        return new Ast.AsOp(identifier("a name after 'as'"), t.pos());
      case "join":
        return join(t);
      case "mv-expand": {
        String name = null;
        if (peek().kind() == Kind.IDENT && peekAt(1).isOp("=")) {
          name = next().text();
          p++;
        }
        Expr e = expr();
        KqlType to = null;
        if (peek().isWord("to") && peekAt(1).isWord("typeof")) {
          p += 2;
          expectOp("(");
          to = typeName();
          expectOp(")");
        }
        return new Ast.MvExpand(name, e, to, t.pos());
      }
      case "invoke": {
        Expr e = primaryOrParen();
        if (!(e instanceof Ast.Call c)) {
          throw error(t, "expected a function call after 'invoke'");
        }
        return new Ast.Invoke(c, t.pos());
      }
      case "project-reorder":
        return new Ast.ProjectReorder(namePatterns(), t.pos());
      default:
        throw new KqlException(KqlException.Kind.UNSUPPORTED,
            "Query operator '" + t.text() + "' is not supported (position " + t.pos() + ")");
    }
  }

  private Op join(Token t) {
    String kind = "innerunique";
    while (peek().kind() == Kind.IDENT && !peek().isWord("on") && (peekAt(1).isOp("=") || peekAt(1).isOp("."))) {
      StringBuilder key = new StringBuilder(next().text());
      while (acceptOp(".")) {
        key.append('.').append(identifier("a parameter name"));
      }
      expectOp("=");
      Token v = next();
      if (key.toString().equals("kind")) {
        kind = v.text();
      } // hint.* parameters only steer distribution in Kusto
    }
    Expr right = primaryOrParen();
    expectWord("on");
    List<String[]> on = new ArrayList<>();
    do {
      Expr c = expr();
      if (c instanceof Ast.Name n) {
        on.add(new String[] {n.name(), n.name()});
      } else if (c instanceof Ast.Binary b && b.op().equals("==") && b.left() instanceof Ast.Member l
          && b.right() instanceof Ast.Member r && l.target() instanceof Ast.Name ln
          && r.target() instanceof Ast.Name rn) {
        if (ln.name().equals("$left") && rn.name().equals("$right")) {
          on.add(new String[] {l.name(), r.name()});
        } else if (ln.name().equals("$right") && rn.name().equals("$left")) {
          on.add(new String[] {r.name(), l.name()});
        } else {
          throw error(t, "join conditions compare $left.Column with $right.Column");
        }
      } else {
        throw new KqlException(KqlException.Kind.SYNTAX, "Unsupported join condition at position "
            + c.pos());
      }
    } while (acceptOp(","));
    return new Ast.Join(kind, right, on, t.pos());
  }

  private boolean atOperatorEnd() {
    Token t = peek();
    return t.kind() == Kind.EOF || t.isOp("|") || t.isOp(";") || t.isOp(")");
  }

  private List<String> namePatterns() {
    List<String> names = new ArrayList<>();
    do {
      StringBuilder sb = new StringBuilder();
      while (true) {
        Token t = peek();
        if (t.kind() == Kind.IDENT || t.kind() == Kind.LONG) {
          sb.append(t.text());
        } else if (t.isOp("*")) {
          sb.append('*');
        } else if (t.isOp("[") && peekAt(1).kind() == Kind.STRING) {
          p += 2;
          sb.append(peekAt(-1).text());
          expectOp("]");
          continue;
        } else {
          break;
        }
        p++;
      }
      if (sb.length() == 0) {
        throw error(peek(), "expected a column name");
      }
      names.add(sb.toString());
    } while (acceptOp(","));
    return names;
  }

  private List<SortKey> sortKeys() {
    List<SortKey> keys = new ArrayList<>();
    do {
      Expr e = expr();
      boolean asc = false;
      if (peek().isWord("asc")) {
        p++;
        asc = true;
      } else if (peek().isWord("desc")) {
        p++;
      }
      Boolean nullsFirst = null;
      if (peek().isWord("nulls")) {
        p++;
        Token w = next();
        if (w.isWord("first")) {
          nullsFirst = true;
        } else if (w.isWord("last")) {
          nullsFirst = false;
        } else {
          throw error(w, "expected 'first' or 'last' after 'nulls'");
        }
      }
      keys.add(new SortKey(e, asc, nullsFirst));
    } while (acceptOp(","));
    return keys;
  }

  private List<Assignment> assignments() {
    List<Assignment> list = new ArrayList<>();
    do {
      list.add(assignment());
    } while (acceptOp(","));
    return list;
  }

  private Assignment assignment() {
    Token t = peek();
    if (t.kind() == Kind.IDENT && peekAt(1).isOp("=")) {
      p += 2;
      return new Assignment(t.text(), expr());
    }
    if (t.isOp("[") && peekAt(1).kind() == Kind.STRING && peekAt(2).isOp("]") && peekAt(3).isOp("=")) {
      p += 4;
      return new Assignment(peekAt(-3).text(), expr());
    }
    return new Assignment(null, expr());
  }

  // ---- scalar ----

  /** A scalar expression (no pipes at this level). */
  private Expr expr() {
    return or();
  }

  private Expr or() {
    Expr left = and();
    while (peek().isWord("or")) {
      Token t = next();
      left = new Ast.Binary("or", left, and(), t.pos());
    }
    return left;
  }

  private Expr and() {
    Expr left = comparison();
    while (peek().isWord("and")) {
      Token t = next();
      left = new Ast.Binary("and", left, comparison(), t.pos());
    }
    return left;
  }

  private Expr comparison() {
    Expr left = additive();
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.OP && COMPARISONS.contains(t.text())) {
        p++;
        String op = t.text().equals("<>") ? "!=" : t.text();
        left = new Ast.Binary(op, left, additive(), t.pos());
      } else if (t.kind() == Kind.IDENT && STRING_PREDICATES.contains(t.text())) {
        p++;
        Expr right = t.text().startsWith("has_a") && peek().isOp("(") ? parenList(t) : additive();
        left = new Ast.Binary(t.text(), left, right, t.pos());
      } else if (t.isWord("matches") && peekAt(1).isWord("regex")) {
        p += 2;
        left = new Ast.Binary("matches regex", left, additive(), t.pos());
      } else if (t.isWord("in") || t.isWord("!in") || t.isWord("in~") || t.isWord("!in~")) {
        p++;
        expectOp("(");
        List<Expr> items = new ArrayList<>();
        if (!peek().isOp(")")) {
          do {
            items.add(pipeExpr());
          } while (acceptOp(","));
        }
        expectOp(")");
        left = new Ast.In(left, items, t.text().startsWith("!"), t.text().endsWith("~"), t.pos());
      } else if (t.isWord("between") || t.isWord("!between")) {
        p++;
        expectOp("(");
        Expr lo = additive();
        expectOp("..");
        Expr hi = additive();
        expectOp(")");
        left = new Ast.Between(left, lo, hi, t.text().startsWith("!"), t.pos());
      } else {
        return left;
      }
    }
  }

  /** {@code has_any("a", "b")} right-hand sides: a list literal packed as a dynamic-array call. */
  private Expr parenList(Token t) {
    expectOp("(");
    List<Expr> items = new ArrayList<>();
    do {
      items.add(expr());
    } while (acceptOp(","));
    expectOp(")");
    return new Ast.Call("pack_array", items, t.pos());
  }

  private Expr additive() {
    Expr left = multiplicative();
    while (peek().isOp("+") || peek().isOp("-")) {
      Token t = next();
      left = new Ast.Binary(t.text(), left, multiplicative(), t.pos());
    }
    return left;
  }

  private Expr multiplicative() {
    Expr left = unary();
    while (peek().isOp("*") || peek().isOp("/") || peek().isOp("%")) {
      Token t = next();
      left = new Ast.Binary(t.text(), left, unary(), t.pos());
    }
    return left;
  }

  private Expr unary() {
    Token t = peek();
    if (t.isOp("-") || t.isOp("+")) {
      p++;
      Expr operand = unary();
      if (t.text().equals("-") && operand instanceof Ast.Literal lit && lit.value() instanceof Long l) {
        return new Ast.Literal(-l, KqlType.LONG, t.pos());
      }
      if (t.text().equals("-") && operand instanceof Ast.Literal lit && lit.value() instanceof Double d) {
        return new Ast.Literal(-d, KqlType.REAL, t.pos());
      }
      return new Ast.Unary(t.text(), operand, t.pos());
    }
    return postfix(primary());
  }

  private Expr postfix(Expr e) {
    while (true) {
      Token t = peek();
      if (t.isOp(".") && (peekAt(1).kind() == Kind.IDENT)) {
        p++;
        e = new Ast.Member(e, next().text(), t.pos());
      } else if (t.isOp(".") && peekAt(1).isOp("[")) {
        p++;
      } else if (t.isOp("[")) {
        p++;
        Expr index = expr();
        expectOp("]");
        e = new Ast.Index(e, index, t.pos());
      } else {
        return e;
      }
    }
  }

  private Expr primary() {
    Token t = next();
    switch (t.kind()) {
      case LONG:
        try {
          return new Ast.Literal(Long.parseLong(t.text()), KqlType.LONG, t.pos());
        } catch (NumberFormatException ex) {
          return new Ast.Literal(Double.parseDouble(t.text()), KqlType.REAL, t.pos());
        }
      case REAL:
        return new Ast.Literal(Double.parseDouble(t.text()), KqlType.REAL, t.pos());
      case TIMESPAN: {
        Duration d = TimeUnits.parseNumberWithUnit(t.text());
        if (d == null) {
          throw error(t, "bad timespan literal '" + t.text() + "'");
        }
        return new Ast.Literal(d, KqlType.TIMESPAN, t.pos());
      }
      case STRING: {
        StringBuilder sb = new StringBuilder(t.text());
        while (peek().kind() == Kind.STRING) {
          sb.append(next().text()); // adjacent literals concatenate
        }
        return new Ast.Literal(sb.toString(), KqlType.STRING, t.pos());
      }
      case IDENT:
        return identifierExpr(t);
      case OP:
        if (t.text().equals("(")) {
          Expr inner = pipeExpr();
          expectOp(")");
          return inner;
        }
        if (t.text().equals("[") && peek().kind() == Kind.STRING && peekAt(1).isOp("]")) {
          Token name = next();
          p++;
          return new Ast.Name(name.text(), t.pos());
        }
        throw error(t, "unexpected '" + t.text() + "'");
      case EOF:
        throw error(t, "unexpected end of query");
      default:
        throw error(t, "unexpected token '" + t.text() + "'");
    }
  }

  private Expr identifierExpr(Token t) {
    String w = t.text();
    if (peek().kind() == Kind.RAW) {
      return new Ast.RawLiteral(w, next().text(), t.pos());
    }
    if (peek().isOp("(")) {
      p++;
      List<Expr> args = new ArrayList<>();
      if (!peek().isOp(")")) {
        do {
          if (peek().isOp("*") && (peekAt(1).isOp(",") || peekAt(1).isOp(")"))) {
            args.add(new Ast.Star(next().pos()));
          } else {
            args.add(pipeExpr());
          }
        } while (acceptOp(","));
      }
      expectOp(")");
      return new Ast.Call(w, args, t.pos());
    }
    switch (w) {
      case "true":
        return new Ast.Literal(Boolean.TRUE, KqlType.BOOL, t.pos());
      case "false":
        return new Ast.Literal(Boolean.FALSE, KqlType.BOOL, t.pos());
      case "null":
        return new Ast.Literal(null, KqlType.DYNAMIC, t.pos());
      default:
        return new Ast.Name(w, t.pos());
    }
  }

  // ---- token helpers ----

  private Token peek() {
    return tokens.get(p);
  }

  private Token peekAt(int k) {
    int idx = Math.min(Math.max(p + k, 0), tokens.size() - 1);
    return tokens.get(idx);
  }

  private Token next() {
    Token t = tokens.get(p);
    if (t.kind() != Kind.EOF) {
      p++;
    }
    return t;
  }

  private boolean acceptOp(String op) {
    if (peek().isOp(op)) {
      p++;
      return true;
    }
    return false;
  }

  private void expectOp(String op) {
    Token t = next();
    if (!t.isOp(op)) {
      throw error(t, "expected '" + op + "'");
    }
  }

  private void expectWord(String w) {
    Token t = next();
    if (!t.isWord(w)) {
      throw error(t, "expected '" + w + "'");
    }
  }

  private String identifier(String what) {
    Token t = next();
    if (t.kind() == Kind.IDENT) {
      return t.text();
    }
    if (t.isOp("[") && peek().kind() == Kind.STRING) {
      String name = next().text();
      expectOp("]");
      return name;
    }
    throw error(t, "expected " + what);
  }

  private static KqlException error(Token t, String what) {
    String found = t.kind() == Kind.EOF ? "end of query" : "'" + t.text() + "'";
    return new KqlException(KqlException.Kind.SYNTAX,
        Character.toUpperCase(what.charAt(0)) + what.substring(1) + ", found " + found + " at position " + t.pos());
  }
}
