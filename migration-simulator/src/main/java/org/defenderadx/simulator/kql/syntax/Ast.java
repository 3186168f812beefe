package org.defenderadx.simulator.kql.syntax;

import java.util.List;
import org.defenderadx.simulator.kql.KqlType;

/** The syntax tree. Scalar and tabular expressions share one node type; the planner decides which is which. */
public final class Ast {
  private Ast() {
  }

  /** A whole query: {@code let} statements in order, then the tabular expression whose result is returned. */
  public record Query(List<Let> lets, Expr body) {
  }

  public record Let(String name, Expr value, int pos) {
  }

  public sealed interface Expr permits Literal, RawLiteral, Name, Member, Index, Call, Unary, Binary, In, Between,
      Star, Pipe, Print, Datatable, Union, Range, Lambda {
    int pos();
  }

  /** A literal whose value is already known: numbers, strings, booleans, timespans, typed nulls. */
  public record Literal(Object value, KqlType type, int pos) implements Expr {
  }

  /** {@code datetime(...)}, {@code dynamic(...)}, {@code guid(...)}, {@code timespan(...)}, kept as raw text. */
  public record RawLiteral(String constructor, String text, int pos) implements Expr {
  }

  public record Name(String name, int pos) implements Expr {
  }

  /** {@code target.name} on a dynamic value. */
  public record Member(Expr target, String name, int pos) implements Expr {
  }

  /** {@code target[index]}. */
  public record Index(Expr target, Expr index, int pos) implements Expr {
  }

  public record Call(String name, List<Expr> args, int pos) implements Expr {
  }

  /** Unary minus or plus. */
  public record Unary(String op, Expr operand, int pos) implements Expr {
  }

  /** Arithmetic, comparison, string predicates ({@code has}, {@code contains}...), {@code and}, {@code or}. */
  public record Binary(String op, Expr left, Expr right, int pos) implements Expr {
  }

  /** {@code x in (a, b)}, {@code !in}, {@code in~}, {@code !in~}; an item may be a tabular expression. */
  public record In(Expr value, List<Expr> items, boolean negated, boolean caseInsensitive, int pos) implements Expr {
  }

  public record Between(Expr value, Expr low, Expr high, boolean negated, int pos) implements Expr {
  }

  /** {@code *} as a function argument ({@code arg_max(T, *)}). */
  public record Star(int pos) implements Expr {
  }

  /** {@code source | op | op ...}. */
  public record Pipe(Expr source, List<Op> ops, int pos) implements Expr {
  }

  public record Print(List<Assignment> columns, int pos) implements Expr {
  }

  public record Datatable(List<ColumnDecl> columns, List<Expr> values, int pos) implements Expr {
  }

  public record Union(List<Expr> tables, String withSource, int pos) implements Expr {
  }

  public record Range(String column, Expr from, Expr to, Expr step, int pos) implements Expr {
  }

  /** {@code (a:long, T:(*)) { [lets;] body }}, bound by a let. */
  public record Lambda(List<Param> params, Query body, int pos) implements Expr {
  }

  /** A function parameter; {@code type} is null for a tabular parameter. */
  public record Param(String name, KqlType type, Expr defaultValue) {
  }

  public record ColumnDecl(String name, KqlType type) {
  }

  /** {@code name = expr}, or just {@code expr} (name null) where a column name is inferred. */
  public record Assignment(String name, Expr expr) {
  }

  public record SortKey(Expr expr, boolean ascending, Boolean nullsFirst) {
  }

  public sealed interface Op permits Where, Extend, Project, ProjectAway, ProjectKeep, ProjectRename, Sort,
      Serialize, Take, Top, Count, Summarize, Distinct, GetSchema, UnionWith, AsOp, Join, MvExpand, ProjectReorder, Invoke {
    int pos();
  }

  public record Where(Expr predicate, int pos) implements Op {
  }

  public record Extend(List<Assignment> columns, int pos) implements Op {
  }

  public record Project(List<Assignment> columns, int pos) implements Op {
  }

  public record ProjectAway(List<String> patterns, int pos) implements Op {
  }

  public record ProjectKeep(List<String> patterns, int pos) implements Op {
  }

  /** Pairs of {@code new = old}. */
  public record ProjectRename(List<String[]> renames, int pos) implements Op {
  }

  public record Sort(List<SortKey> keys, int pos) implements Op {
  }

  public record Serialize(List<Assignment> columns, int pos) implements Op {
  }

  public record Take(Expr count, int pos) implements Op {
  }

  public record Top(Expr count, List<SortKey> keys, int pos) implements Op {
  }

  public record Count(int pos) implements Op {
  }

  public record Summarize(List<Assignment> aggregates, List<Assignment> by, int pos) implements Op {
  }

  /** {@code distinct *} has an empty column list. */
  public record Distinct(List<Expr> columns, int pos) implements Op {
  }

  public record GetSchema(int pos) implements Op {
  }

  public record UnionWith(List<Expr> tables, String withSource, int pos) implements Op {
  }

  /**
   * {@code join kind=K (right) on Key, $left.A == $right.B}; each condition is a pair of left and right column
   * names.
   */
  public record Join(String kind, Expr right, List<String[]> on, int pos) implements Op {
  }

  /** {@code mv-expand [name =] expr [to typeof(type)]}. */
  public record MvExpand(String name, Expr expr, KqlType toType, int pos) implements Op {
  }

  public record ProjectReorder(List<String> patterns, int pos) implements Op {
  }

  /** {@code invoke f(args)}: the pipe's input becomes f's first (tabular) argument. */
  public record Invoke(Call call, int pos) implements Op {
  }

  /** {@code as Name}: names the result; a no-op here. */
  public record AsOp(String name, int pos) implements Op {
  }
}
