//! The `$filter` parser: text to [`Expr`], with errors that say what was expected and where.
//!
//! Grammar (lowest precedence first; keywords case-insensitive):
//! ```text
//! expr       := and ('or' and)*
//! and        := unary ('and' unary)*
//! unary      := 'not' (unary | operand) [cmp-rest] | operand [cmp-rest]
//! cmp-rest   := ('eq'|'ne'|'gt'|'ge'|'lt'|'le'|'has') operand | 'in' '(' operand (',' operand)* ')'
//! operand    := '(' expr ')' | literal | name '(' [expr (',' expr)*] ')' | path
//! path       := segment ('/' segment)* ['/' ('any'|'all') '(' [var ':' expr] ')']
//! ```
//! As in Graph's OData parser (Microsoft.OData.Core `UriQueryExpressionParser.ParseUnary`), `not`
//! binds tighter than comparisons: it negates the next operand, as in the docs' forms
//! `NOT groupTypes/any(...)`, `NOT startsWith(...)` and `not(...)`. `not displayName eq 'x'`
//! would negate a string, so it is reported as an error with a hint to add parentheses.
//!
//! Case: Graph's docs write keywords and function names in several cases (`NOT groupTypes/any(...)`
//! in filter-query-parameter.md, `startswith(...)` and `startsWith(...)` in user-list.md and
//! aad-advanced-queries.md, `OR` in aad-advanced-queries.md), which works because Graph's OData
//! parser runs with `enableCaseInsensitiveBuiltinIdentifier` (Microsoft.OData.Core). So keywords,
//! operators, `any`/`all`, `true`/`false`/`null` and known function names are matched
//! case-insensitively here too. Property names keep their spelling (the docs also write
//! `ReceivedDateTime`; the linter decides whether a case difference matters).
//!
//! Positions: spans are 0-based byte offsets; messages say "column N", 1-based characters.
//!
//! Nesting (parentheses, `not`, calls, lambdas) is limited to [`MAX_DEPTH`] levels so hostile input
//! cannot overflow the stack.

use super::ast::*;
use super::error::{ParseError, column};
use super::lexer::{Token, TokenKind, tokenize_from};

/// Deepest nesting of parentheses, `not`, function calls, lambdas and `in` lists the parser
/// accepts. Real filters nest a few levels; the limit keeps hostile input from exhausting the
/// stack (a debug build spends roughly 15 KiB of stack per level, so 32 levels stay far below
/// the 2 MiB of a test or tokio worker thread).
pub const MAX_DEPTH: usize = 32;

/// Parses a `$filter` expression.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    parse_in(src, 0..src.len())
}

/// Parses the `$filter` found at `span` inside a larger text (e.g. a `$filter` nested in
/// `$expand` options). Spans and columns in the result and in errors refer to `full`.
pub fn parse_in(full: &str, span: Span) -> Result<Expr, ParseError> {
    let (Some(src), true) = (
        full.get(..span.end),
        full.is_char_boundary(span.start.min(span.end)),
    ) else {
        return Err(ParseError::new(span, "invalid text range for a $filter"));
    };
    let start = span.start.min(span.end);
    let mut p = Parser::new_from(src, start);
    if matches!(p.peek()?.kind, TokenKind::Eof) {
        return Err(ParseError::new(start..src.len(), "the filter is empty")
            .expecting(["an expression such as displayName eq 'Alice'"]));
    }
    p.reject_option_prefix()?;
    let expr = p.parse_or()?;
    p.expect_end()?;
    Ok(expr)
}

/// Words with a meaning of their own in `$filter`.
const KEYWORDS: [&str; 14] = [
    "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "has", "in", "true", "false", "null",
];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// What the parser should say when an operand is missing.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// At the start of an expression (after '(' or at the start of the input).
    Start,
    /// After a keyword or operator: "expected a value after 'eq'".
    After(&'a str),
    /// An argument of a function.
    Argument(&'a str),
    /// An item of an `in` list.
    ListItem,
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Lambda range variables in scope, innermost last.
    vars: Vec<String>,
}

impl<'a> Parser<'a> {
    fn new_from(src: &'a str, start: usize) -> Parser<'a> {
        Parser {
            src,
            tokens: tokenize_from(src, start),
            pos: 0,
            depth: 0,
            vars: Vec::new(),
        }
    }

    /// The next token; a lexical error is returned as the parse error.
    fn peek(&self) -> Result<&Token, ParseError> {
        let tok = self.peek_raw();
        match &tok.kind {
            TokenKind::Error(e) => Err((**e).clone()),
            _ => Ok(tok),
        }
    }

    fn peek_raw(&self) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[self.pos.min(last)]
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.pos + ahead).min(last)]
    }

    fn advance(&mut self) -> Token {
        let tok = self.peek_raw().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        tok
    }

    fn text(&self, span: &Span) -> &'a str {
        self.src.get(span.clone()).unwrap_or("")
    }

    fn col(&self, at: usize) -> usize {
        column(self.src, at)
    }

    fn is_kw(tok: &Token, kw: &str) -> bool {
        matches!(&tok.kind, TokenKind::Ident(w) if w.eq_ignore_ascii_case(kw))
    }

    fn describe(&self, tok: &Token) -> String {
        tok.kind.describe(self.text(&tok.span))
    }

    /// "… at column N" plus ", found X" unless at the end of the input.
    fn found_suffix(&self, tok: &Token) -> String {
        if matches!(tok.kind, TokenKind::Eof) {
            format!(" at column {}", self.col(tok.span.start))
        } else {
            format!(
                " at column {}, found {}",
                self.col(tok.span.start),
                self.describe(tok)
            )
        }
    }

    fn enter(&mut self, at: &Span) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                at.clone(),
                format!(
                    "the filter is nested too deeply (more than {MAX_DEPTH} levels) at column {}",
                    self.col(at.start)
                ),
            )
            .with_hint("remove redundant parentheses or 'not's"));
        }
        Ok(())
    }

    /// `$filter=displayName eq 'a'`: the option name was pasted along with the expression.
    fn reject_option_prefix(&self) -> Result<(), ParseError> {
        let first = self.peek_raw();
        let second = self.peek_at(1);
        if let (TokenKind::Ident(name), TokenKind::Symbol(eq)) = (&first.kind, &second.kind)
            && eq == "="
            && name.trim_start_matches('$').eq_ignore_ascii_case("filter")
        {
            let span = first.span.start..second.span.end;
            let written = self.text(&span).to_string();
            return Err(self.cold(|p| {
                ParseError::new(
                    span.clone(),
                    format!(
                        "the text starts with the option name '{written}' (column {}); give only the expression",
                        p.col(span.start)
                    ),
                )
                .expecting(["an expression such as displayName eq 'Alice'"])
                .with_hint(format!("remove '{written}'"))
            }));
        }
        Ok(())
    }

    /// Builds an error out of line: in debug builds this keeps the frames of the recursive
    /// parsing functions small, so the depth limit is reached long before the stack runs out.
    #[cold]
    #[inline(never)]
    fn cold(&self, build: impl FnOnce(&Self) -> ParseError) -> ParseError {
        build(self)
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn parse_or(&mut self) -> Result<Expr, ParseError> {
        let first = self.parse_and()?;
        if !Self::is_kw(self.peek()?, "or") {
            return Ok(first);
        }
        let mut items = vec![first];
        while Self::is_kw(self.peek()?, "or") {
            let op = self.advance();
            let kw = self.text(&op.span).to_string();
            self.check_operand_follows(&kw)?;
            items.push(self.parse_and()?);
        }
        let span = items[0].span.start..items[items.len() - 1].span.end;
        Ok(Expr::new(ExprKind::Or(items), span))
    }

    fn parse_and(&mut self) -> Result<Expr, ParseError> {
        let first = self.parse_unary()?;
        if !Self::is_kw(self.peek()?, "and") {
            return Ok(first);
        }
        let mut items = vec![first];
        while Self::is_kw(self.peek()?, "and") {
            let op = self.advance();
            let kw = self.text(&op.span).to_string();
            self.check_operand_follows(&kw)?;
            items.push(self.parse_unary()?);
        }
        let span = items[0].span.start..items[items.len() - 1].span.end;
        Ok(Expr::new(ExprKind::And(items), span))
    }

    /// After `and`/`or`, an expression must follow.
    fn check_operand_follows(&self, kw: &str) -> Result<(), ParseError> {
        let tok = self.peek()?;
        let missing = match &tok.kind {
            TokenKind::Eof | TokenKind::RParen | TokenKind::Comma => true,
            TokenKind::Ident(w) => {
                w.eq_ignore_ascii_case("and")
                    || w.eq_ignore_ascii_case("or")
                    || CompareOp::from_keyword(w).is_some()
            }
            _ => false,
        };
        if missing {
            return Err(ParseError::new(
                tok.span.clone(),
                format!(
                    "expected an expression after '{kw}'{}",
                    self.found_suffix(tok)
                ),
            )
            .expecting(["an expression"]));
        }
        Ok(())
    }

    fn parse_unary(&mut self) -> Result<Expr, ParseError> {
        let tok = self.peek()?.clone();
        if matches!(&tok.kind, TokenKind::Symbol(s) if s == "!" || s == "~") {
            let sym = self.text(&tok.span).to_string();
            return Err(self.cold(|p| {
                ParseError::new(
                    tok.span.clone(),
                    format!(
                        "unknown operator '{sym}' at column {} — did you mean 'not'?",
                        p.col(tok.span.start)
                    ),
                )
                .expecting(["'not'", "an expression"])
                .with_hint("write not (displayName eq 'x')")
            }));
        }
        if Self::is_kw(&tok, "not") {
            self.enter(&tok.span)?;
            self.advance();
            let kw = self.text(&tok.span).to_string();
            let next = self.peek()?;
            if matches!(
                next.kind,
                TokenKind::Eof | TokenKind::RParen | TokenKind::Comma
            ) || Self::is_kw(next, "and")
                || Self::is_kw(next, "or")
            {
                return Err(self.cold(|p| {
                    ParseError::new(
                        next.span.clone(),
                        format!(
                            "expected an expression after '{kw}'{}",
                            p.found_suffix(next)
                        ),
                    )
                    .expecting(["an expression"])
                }));
            }
            // Like Graph's OData parser, `not` binds tighter than comparisons: it negates the
            // next operand (`not startsWith(...)`, `NOT groupTypes/any(...)`, `not (...)`).
            let inner = if Self::is_kw(next, "not") {
                self.parse_unary()?
            } else {
                self.parse_operand(Ctx::After(&kw))?
            };
            self.leave();
            let next = self.peek()?.clone();
            let cmp_follows = matches!(&next.kind, TokenKind::Ident(w)
                if CompareOp::from_keyword(w).is_some() || w.eq_ignore_ascii_case("in"));
            if cmp_follows && matches!(inner.kind, ExprKind::Path(_) | ExprKind::Literal(_)) {
                let operand = self.text(&inner.span).to_string();
                let op = self.text(&next.span).to_string();
                return Err(self.cold(|p| {
                    ParseError::new(
                        tok.span.start..next.span.end,
                        format!(
                            "'{kw}' applies only to '{operand}', not to the comparison (column {})",
                            p.col(tok.span.start)
                        ),
                    )
                    .expecting(["a condition in parentheses after 'not'"])
                    .with_hint(format!(
                        "'not' binds tighter than '{op}': write {kw}({operand} {op} ...)"
                    ))
                }));
            }
            let span = tok.span.start..inner.span.end;
            let node = Expr::new(
                ExprKind::Not {
                    not_span: tok.span,
                    expr: Box::new(inner),
                },
                span,
            );
            return self.parse_comparison_rest(node);
        }
        self.parse_comparison()
    }

    fn parse_comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.parse_operand(Ctx::Start)?;
        self.parse_comparison_rest(left)
    }

    /// An optional comparison operator and right operand after `left`.
    fn parse_comparison_rest(&mut self, left: Expr) -> Result<Expr, ParseError> {
        let tok = self.peek()?.clone();
        match &tok.kind {
            TokenKind::Ident(word) => {
                if let Some(op) = CompareOp::from_keyword(word) {
                    self.advance();
                    let op_text = self.text(&tok.span).to_string();
                    let right = self.parse_operand(Ctx::After(&op_text))?;
                    self.reject_chained_comparison()?;
                    let span = left.span.start..right.span.end;
                    return Ok(Expr::new(
                        ExprKind::Compare {
                            left: Box::new(left),
                            op,
                            op_span: tok.span,
                            right: Box::new(right),
                        },
                        span,
                    ));
                }
                if word.eq_ignore_ascii_case("in") {
                    self.advance();
                    let (list, list_span) = self.parse_in_list(&tok)?;
                    self.reject_chained_comparison()?;
                    let span = left.span.start..list_span.end;
                    return Ok(Expr::new(
                        ExprKind::In {
                            left: Box::new(left),
                            in_span: tok.span,
                            list,
                            list_span,
                        },
                        span,
                    ));
                }
                if word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("or") {
                    return Ok(left);
                }
                Err(self.unknown_operator(&tok, word))
            }
            TokenKind::Symbol(sym) => Err(self.unknown_operator(&tok, sym)),
            _ => Ok(left),
        }
    }

    fn reject_chained_comparison(&self) -> Result<(), ParseError> {
        let tok = self.peek()?;
        if let TokenKind::Ident(w) = &tok.kind
            && (CompareOp::from_keyword(w).is_some() || w.eq_ignore_ascii_case("in"))
        {
            return Err(ParseError::new(
                tok.span.clone(),
                format!(
                    "comparisons cannot be chained: unexpected '{w}' at column {}",
                    self.col(tok.span.start)
                ),
            )
            .expecting(["'and'", "'or'", "')'", "the end of the input"])
            .with_hint("combine comparisons with 'and' or 'or', e.g. a ge 1 and a le 5"));
        }
        Ok(())
    }

    /// The error for a word or symbol where an operator was expected.
    fn unknown_operator(&self, tok: &Token, word: &str) -> ParseError {
        let col = self.col(tok.span.start);
        let lower = word.to_ascii_lowercase();
        let (suggestion, hint): (Option<&str>, Option<String>) = match lower.as_str() {
            "=" | "==" | "===" | "equals" | "equal" | "equalto" | "is" | "eg" | "qe" => {
                (Some("eq"), None)
            }
            "!=" | "<>" | "neq" | "notequals" | "notequal" | "isnot" | "nq" => (Some("ne"), None),
            ">" | "greaterthan" | "gth" => (Some("gt"), None),
            ">=" | "gte" | "greaterorequal" => (Some("ge"), None),
            "<" | "lessthan" | "lth" => (Some("lt"), None),
            "<=" | "lte" | "lessorequal" => (Some("le"), None),
            "&&" | "&" | "andalso" | "an" | "adn" | "nad" => (Some("and"), None),
            "||" | "|" | "orelse" => (Some("or"), None),
            "!" | "~" => (
                None,
                Some("write not before the condition: not (a eq 1)".to_string()),
            ),
            "not" => (
                None,
                Some("put not before the whole condition: not (displayName eq 'x')".to_string()),
            ),
            "like" | "contains" | "startswith" | "endswith" | "substringof" => (
                None,
                Some(
                    "text matching uses functions: startsWith(displayName, 'abc') \
                     (contains is not supported on directory objects)"
                        .to_string(),
                ),
            ),
            "+" => (
                None,
                Some(
                    "'+' is not an operator; if the filter came from a URL, '+' stands for a \
                     space: decode it first"
                        .to_string(),
                ),
            ),
            "add" | "sub" | "mul" | "div" | "divby" | "mod" | "-" | "*" => (
                None,
                Some(
                    "arithmetic operators are not supported by Microsoft Graph directory queries"
                        .to_string(),
                ),
            ),
            _ => (closest_operator(&lower), None),
        };
        let message = match suggestion {
            Some(s) => format!("unknown operator '{word}' at column {col} — did you mean '{s}'?"),
            None => format!("unknown operator '{word}' at column {col}"),
        };
        let mut e = ParseError::new(tok.span.clone(), message).expecting([
            "a comparison operator (eq, ne, gt, ge, lt, le, has)",
            "'in'",
            "'and'",
            "'or'",
        ]);
        if let Some(h) = hint {
            e = e.with_hint(h);
        } else if let Some(s) = suggestion {
            e = e.with_hint(format!("replace '{word}' with '{s}'"));
        } else {
            e = e.with_hint("operators are words: eq ne gt ge lt le in and or not");
        }
        e
    }

    /// After a complete condition: a word or symbol that looks like a misspelt `and`/`or`.
    fn unknown_connective(&self, tok: &Token) -> Option<ParseError> {
        let word = match &tok.kind {
            TokenKind::Ident(w) if !is_keyword(w) => w.as_str(),
            TokenKind::Symbol(s) => s.as_str(),
            _ => return None,
        };
        let lower = word.to_ascii_lowercase();
        let suggestion = match lower.as_str() {
            "&&" | "&" | "andalso" => Some("and"),
            "||" | "|" | "orelse" => Some("or"),
            _ => ["and", "or"]
                .into_iter()
                .filter(|k| edit_distance(&lower, k) <= 1 && lower.len() >= 2)
                .min_by_key(|k| edit_distance(&lower, k)),
        }?;
        Some(
            ParseError::new(
                tok.span.clone(),
                format!(
                    "unknown operator '{word}' at column {} — did you mean '{suggestion}'?",
                    self.col(tok.span.start)
                ),
            )
            .expecting(["'and'", "'or'"])
            .with_hint(format!("replace '{word}' with '{suggestion}'")),
        )
    }

    fn parse_in_list(&mut self, in_tok: &Token) -> Result<(Vec<Expr>, Span), ParseError> {
        let kw = self.text(&in_tok.span).to_string();
        let open = self.peek()?.clone();
        if !matches!(open.kind, TokenKind::LParen) {
            return Err(self.cold(|p| {
                ParseError::new(
                    open.span.clone(),
                    format!("expected '(' after '{kw}'{}", p.found_suffix(&open)),
                )
                .expecting(["'('"])
                .with_hint("write the list in parentheses: userType in ('Member', 'Guest')")
            }));
        }
        self.enter(&open.span)?;
        self.advance();
        if matches!(self.peek()?.kind, TokenKind::RParen) {
            let close = self.advance();
            return Err(self.cold(|p| {
                ParseError::new(
                    open.span.start..close.span.end,
                    format!(
                        "the list after '{kw}' is empty (column {})",
                        p.col(open.span.start)
                    ),
                )
                .expecting(["at least one value"])
            }));
        }
        let mut items = Vec::new();
        loop {
            items.push(self.parse_operand(Ctx::ListItem)?);
            let tok = self.peek()?.clone();
            match tok.kind {
                TokenKind::Comma => {
                    self.advance();
                }
                TokenKind::RParen => {
                    self.advance();
                    self.leave();
                    return Ok((items, open.span.start..tok.span.end));
                }
                _ => {
                    return Err(self.cold(|p| {
                        ParseError::new(
                            tok.span.clone(),
                            format!(
                                "expected ',' or a closing ')' in the '{kw}' list{}",
                                p.found_suffix(&tok)
                            ),
                        )
                        .expecting(["','", "')'"])
                        .with_hint(format!(
                            "the list opened at column {} must end with ')'",
                            p.col(open.span.start)
                        ))
                    }));
                }
            }
        }
    }

    fn missing_operand(&self, tok: &Token, ctx: Ctx<'_>) -> ParseError {
        let (what, expected): (String, &[&str]) = match ctx {
            Ctx::Start => (
                "expected an expression".to_string(),
                &["a property name", "a function call", "'not'", "'('"],
            ),
            Ctx::After(op) => (format!("expected a value after '{op}'"), &["a value"]),
            Ctx::Argument(f) => (format!("expected an argument for {f}"), &["a value"]),
            Ctx::ListItem => ("expected a value in the list".to_string(), &["a value"]),
        };
        let mut e = ParseError::new(
            tok.span.clone(),
            format!("{what}{}", self.found_suffix(tok)),
        )
        .expecting(expected.iter().copied());
        if let TokenKind::Ident(w) = &tok.kind
            && matches!(ctx, Ctx::Start)
            && (CompareOp::from_keyword(w).is_some()
                || w.eq_ignore_ascii_case("and")
                || w.eq_ignore_ascii_case("or")
                || w.eq_ignore_ascii_case("in"))
        {
            e = e.with_hint(format!(
                "'{w}' needs something on its left, e.g. displayName {w} ..."
            ));
        }
        if matches!(tok.kind, TokenKind::Symbol(ref s) if s == "-") {
            e = e.with_hint("write negative numbers without a space: -5");
        }
        e
    }

    fn parse_operand(&mut self, ctx: Ctx<'_>) -> Result<Expr, ParseError> {
        let tok = self.peek()?.clone();
        let lit = |value: LiteralValue, p: &Parser<'_>| {
            Expr::new(
                ExprKind::Literal(Literal {
                    value,
                    text: p.text(&tok.span).to_string(),
                }),
                tok.span.clone(),
            )
        };
        let value = match &tok.kind {
            TokenKind::String(s) => Some(LiteralValue::String(s.clone())),
            TokenKind::Int(i) => Some(LiteralValue::Int(*i)),
            TokenKind::Decimal(d) => Some(LiteralValue::Decimal(*d)),
            TokenKind::Guid(g) => Some(LiteralValue::Guid(*g)),
            TokenKind::DateTime(dt) => Some(LiteralValue::DateTimeOffset(*dt)),
            TokenKind::Date(d) => Some(LiteralValue::Date(*d)),
            TokenKind::Duration(d) => Some(LiteralValue::Duration(d.clone())),
            TokenKind::Ident(w) if w.eq_ignore_ascii_case("true") => Some(LiteralValue::Bool(true)),
            TokenKind::Ident(w) if w.eq_ignore_ascii_case("false") => {
                Some(LiteralValue::Bool(false))
            }
            TokenKind::Ident(w) if w.eq_ignore_ascii_case("null") => Some(LiteralValue::Null),
            _ => None,
        };
        if let Some(v) = value {
            self.advance();
            return Ok(lit(v, self));
        }
        match &tok.kind {
            TokenKind::LParen => {
                self.enter(&tok.span)?;
                self.advance();
                if matches!(self.peek()?.kind, TokenKind::RParen) {
                    let close = self.peek()?.clone();
                    return Err(self.cold(|p| {
                        ParseError::new(
                            tok.span.start..close.span.end,
                            format!(
                                "empty parentheses at column {}: expected an expression inside",
                                p.col(tok.span.start)
                            ),
                        )
                        .expecting(["an expression"])
                    }));
                }
                let mut inner = self.parse_or()?;
                let close = self.peek()?.clone();
                if !matches!(close.kind, TokenKind::RParen) {
                    return Err(self.unclosed(&tok, &close, "'('"));
                }
                self.advance();
                self.leave();
                inner.span = tok.span.start..close.span.end;
                Ok(inner)
            }
            TokenKind::Ident(word) => {
                if is_keyword(word) {
                    // `not` inside an operand position (e.g. `a eq not b`), or a binary keyword
                    // where a value should be.
                    return Err(self.missing_operand(&tok, ctx));
                }
                let next = self.peek_at(1).clone();
                if matches!(next.kind, TokenKind::LParen) {
                    if word.eq_ignore_ascii_case("any") || word.eq_ignore_ascii_case("all") {
                        return Err(self.cold(|p| {
                            ParseError::new(
                            tok.span.clone(),
                            format!(
                                "'{word}' must follow a collection at column {}",
                                p.col(tok.span.start)
                            ),
                        )
                        .expecting(["a collection path before '/any'"])
                        .with_hint(
                            "write collection/any(x: ...), e.g. groupTypes/any(c: c eq 'Unified')",
                        )
                        }));
                    }
                    return self.parse_call(tok);
                }
                self.parse_path(tok)
            }
            _ => Err(self.missing_operand(&tok, ctx)),
        }
    }

    /// "expected a closing ')' at column N" for an opener that was never closed.
    fn unclosed(&self, open: &Token, found: &Token, what: &str) -> ParseError {
        if let Some(e) = self.unknown_connective(found) {
            return e;
        }
        let mut e = ParseError::new(
            found.span.clone(),
            format!("expected a closing ')'{}", self.found_suffix(found)),
        )
        .with_hint(format!(
            "the {what} at column {} is not closed",
            self.col(open.span.start)
        ));
        e.expected = vec!["')'".into()];
        if matches!(found.kind, TokenKind::Ident(_) | TokenKind::String(_)) {
            e.expected.extend(["'and'".to_string(), "'or'".to_string()]);
        }
        e
    }

    fn parse_call(&mut self, name_tok: Token) -> Result<Expr, ParseError> {
        let name = self.text(&name_tok.span).to_string();
        self.enter(&name_tok.span)?;
        self.advance(); // name
        let open = self.advance(); // '('
        let mut args = Vec::new();
        let close;
        if matches!(self.peek()?.kind, TokenKind::RParen) {
            close = self.advance();
        } else {
            loop {
                let arg_tok = self.peek()?.clone();
                if matches!(
                    arg_tok.kind,
                    TokenKind::Comma | TokenKind::RParen | TokenKind::Eof
                ) {
                    return Err(self.missing_operand(&arg_tok, Ctx::Argument(&name)));
                }
                args.push(self.parse_or()?);
                let tok = self.peek()?.clone();
                match tok.kind {
                    TokenKind::Comma => {
                        self.advance();
                    }
                    TokenKind::RParen => {
                        close = self.advance();
                        break;
                    }
                    _ => {
                        return Err(self.cold(|p| {
                            ParseError::new(
                                tok.span.clone(),
                                format!(
                                    "expected ',' or a closing ')' in the arguments of {name}{}",
                                    p.found_suffix(&tok)
                                ),
                            )
                            .expecting(["','", "')'"])
                            .with_hint(format!(
                                "separate the arguments with ',' and close the '(' at column {}",
                                p.col(open.span.start)
                            ))
                        }));
                    }
                }
            }
        }
        self.leave();
        let span = name_tok.span.start..close.span.end;
        let call = Call {
            name,
            name_span: name_tok.span.clone(),
            args,
        };
        if let Some(f) = call.function()
            && call.args.len() != f.arity()
        {
            return Err(self.cold(|p| {
                ParseError::new(
                    span.clone(),
                    format!(
                        "{} takes {} arguments, found {} (column {})",
                        f.as_str(),
                        f.arity(),
                        call.args.len(),
                        p.col(span.start)
                    ),
                )
                .expecting([format!("{} arguments", f.arity())])
                .with_hint(format!("write {}(property, 'text')", f.as_str()))
            }));
        }
        Ok(Expr::new(ExprKind::Call(call), span))
    }

    fn parse_path(&mut self, first: Token) -> Result<Expr, ParseError> {
        self.advance();
        let TokenKind::Ident(first_name) = &first.kind else {
            return Err(self.missing_operand(&first, Ctx::Start));
        };
        let mut segments = vec![Segment {
            name: first_name.clone(),
            span: first.span.clone(),
        }];
        let from_variable = self.vars.iter().any(|v| v == first_name);
        while matches!(self.peek()?.kind, TokenKind::Slash) {
            let slash = self.advance();
            let tok = self.peek()?.clone();
            let TokenKind::Ident(name) = &tok.kind else {
                return Err(self.cold(|p| {
                    ParseError::new(
                        tok.span.clone(),
                        format!("expected a property name after '/'{}", p.found_suffix(&tok)),
                    )
                    .expecting(["a property name", "'$count'", "'any'", "'all'"])
                    .with_hint(format!(
                        "remove the '/' at column {} or add a property name",
                        p.col(slash.span.start)
                    ))
                }));
            };
            if let Some(count) = segments.last().filter(|s| s.is_count()) {
                let count_span = count.span.clone();
                return Err(self.cold(|p| {
                    ParseError::new(
                        tok.span.clone(),
                        format!(
                            "nothing can follow $count (column {})",
                            p.col(count_span.start)
                        ),
                    )
                    .expecting(["an operator after $count"])
                    .with_hint("$count is the last segment: assignedLicenses/$count eq 0")
                }));
            }
            let is_lambda = name.eq_ignore_ascii_case("any") || name.eq_ignore_ascii_case("all");
            if is_lambda && matches!(self.peek_at(1).kind, TokenKind::LParen) {
                let collection = PropertyPath {
                    segments,
                    from_variable,
                };
                return self.parse_lambda(collection, tok);
            }
            if matches!(self.peek_at(1).kind, TokenKind::LParen) {
                let open = self.peek_at(1).clone();
                return Err(self.cold(|p| {
                    ParseError::new(
                        open.span.clone(),
                        format!(
                            "unexpected '(' after '{name}' at column {}",
                            p.col(open.span.start)
                        ),
                    )
                    .expecting(["an operator"])
                    .with_hint(
                        "only any(...) and all(...) can follow a '/'; functions take the property \
                     as an argument: startsWith(displayName, 'a')",
                    )
                }));
            }
            self.advance();
            segments.push(Segment {
                name: name.clone(),
                span: tok.span.clone(),
            });
        }
        let path = PropertyPath {
            segments,
            from_variable,
        };
        let span = path.span();
        Ok(Expr::new(ExprKind::Path(path), span))
    }

    fn parse_lambda(
        &mut self,
        collection: PropertyPath,
        kind_tok: Token,
    ) -> Result<Expr, ParseError> {
        let kind_text = self.text(&kind_tok.span).to_string();
        let kind = if kind_text.eq_ignore_ascii_case("any") {
            LambdaKind::Any
        } else {
            LambdaKind::All
        };
        self.enter(&kind_tok.span)?;
        self.advance(); // any/all
        let open = self.advance(); // '('
        let start = collection.span().start;
        let example = format!("{collection}/{kind}(x: x eq 'value')");
        // Empty form: any()
        if matches!(self.peek()?.kind, TokenKind::RParen) {
            let close = self.advance();
            if kind == LambdaKind::All {
                return Err(self.cold(|p| {
                    ParseError::new(
                        kind_tok.span.start..close.span.end,
                        format!(
                            "all() needs a condition (column {})",
                            p.col(kind_tok.span.start)
                        ),
                    )
                    .expecting(["a lambda variable and condition"])
                    .with_hint(format!("write {example}"))
                }));
            }
            self.leave();
            return Ok(Expr::new(
                ExprKind::Lambda(Lambda {
                    collection,
                    kind,
                    kind_span: kind_tok.span,
                    variable: None,
                    body: None,
                }),
                start..close.span.end,
            ));
        }
        let var_tok = self.peek()?.clone();
        let var_name = match &var_tok.kind {
            TokenKind::Ident(v) if !is_keyword(v) => v.clone(),
            _ => {
                return Err(self.cold(|p| {
                    ParseError::new(
                        var_tok.span.clone(),
                        format!(
                            "expected a lambda variable name after '{kind_text}('{}",
                            p.found_suffix(&var_tok)
                        ),
                    )
                    .expecting(["a variable name such as x"])
                    .with_hint(format!("write {example}"))
                }));
            }
        };
        let colon = self.peek_at(1).clone();
        if !matches!(colon.kind, TokenKind::Colon) {
            if let TokenKind::Error(e) = colon.kind {
                return Err(*e);
            }
            return Err(self.cold(|p| {
                ParseError::new(
                    colon.span.clone(),
                    format!(
                        "expected ':' after the lambda variable '{var_name}'{}",
                        p.found_suffix(&colon)
                    ),
                )
                .expecting(["':'"])
                .with_hint(format!(
                    "a lambda names its variable first: {collection}/{kind}(x: x eq 'value')"
                ))
            }));
        }
        self.advance(); // var
        self.advance(); // ':'
        let body_tok = self.peek()?.clone();
        if matches!(body_tok.kind, TokenKind::RParen | TokenKind::Eof) {
            return Err(self.cold(|p| {
                ParseError::new(
                    body_tok.span.clone(),
                    format!(
                        "expected a condition after '{var_name}:'{}",
                        p.found_suffix(&body_tok)
                    ),
                )
                .expecting(["an expression"])
                .with_hint(format!("write {example}"))
            }));
        }
        self.vars.push(var_name.clone());
        let body = self.parse_or();
        self.vars.pop();
        let body = body?;
        let close = self.peek()?.clone();
        if !matches!(close.kind, TokenKind::RParen) {
            let open_tok = Token {
                kind: TokenKind::LParen,
                span: open.span.clone(),
            };
            return Err(self.unclosed(&open_tok, &close, &format!("'(' of {kind_text}")));
        }
        self.advance();
        self.leave();
        Ok(Expr::new(
            ExprKind::Lambda(Lambda {
                collection,
                kind,
                kind_span: kind_tok.span,
                variable: Some((var_name, var_tok.span)),
                body: Some(Box::new(body)),
            }),
            start..close.span.end,
        ))
    }

    fn expect_end(&mut self) -> Result<(), ParseError> {
        let tok = self.peek()?.clone();
        if let Some(e) = self.unknown_connective(&tok) {
            return Err(e);
        }
        let col = self.col(tok.span.start);
        match &tok.kind {
            TokenKind::Eof => Ok(()),
            TokenKind::RParen => Err(ParseError::new(
                tok.span.clone(),
                format!("unexpected ')' at column {col}: there is no matching '('"),
            )
            .expecting(["'and'", "'or'", "the end of the input"])
            .with_hint("remove the ')' or add a '(' before the condition")),
            TokenKind::Comma => Err(ParseError::new(
                tok.span.clone(),
                format!("unexpected ',' at column {col}"),
            )
            .expecting(["'and'", "'or'", "the end of the input"])
            .with_hint("combine conditions with 'and' or 'or'")),
            _ => Err(ParseError::new(
                tok.span.clone(),
                format!(
                    "unexpected {} at column {col} after a complete condition",
                    self.describe(&tok)
                ),
            )
            .expecting(["'and'", "'or'", "the end of the input"])
            .with_hint("combine conditions with 'and' or 'or'")),
        }
    }
}

/// The operator closest to `word` by edit distance (at most 1 edit for short words, 2 for long).
fn closest_operator(word: &str) -> Option<&'static str> {
    const OPS: [&str; 10] = ["eq", "ne", "gt", "ge", "lt", "le", "has", "in", "and", "or"];
    let max = if word.chars().count() <= 3 { 1 } else { 2 };
    OPS.iter()
        .map(|op| (edit_distance(word, op), *op))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, op)| op)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of two neighbours
/// (optimal string alignment); small inputs only.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Expr {
        match parse(src) {
            Ok(e) => e,
            Err(e) => panic!("{src}: {}", e.render(src)),
        }
    }

    fn err(src: &str) -> ParseError {
        match parse(src) {
            Ok(e) => panic!("{src} parsed: {e:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn simple_comparison() {
        let e = ok("displayName eq 'Bob'");
        let ExprKind::Compare {
            left,
            op,
            op_span,
            right,
        } = e.kind
        else {
            panic!()
        };
        assert_eq!(op, CompareOp::Eq);
        assert_eq!(op_span, 12..14);
        assert_eq!(left.as_path().unwrap().to_text(), "displayName");
        assert_eq!(
            right.as_literal().unwrap().value,
            LiteralValue::String("Bob".into())
        );
        assert_eq!(right.as_literal().unwrap().text, "'Bob'");
        assert_eq!(e.span, 0..20);
    }

    #[test]
    fn precedence_and_flattening() {
        let e = ok("a eq 1 or b eq 2 and c eq 3 or d eq 4");
        let ExprKind::Or(items) = &e.kind else {
            panic!()
        };
        assert_eq!(items.len(), 3);
        assert!(matches!(items[1].kind, ExprKind::And(ref v) if v.len() == 2));
    }

    #[test]
    fn not_binds_tighter_than_comparison() {
        let e = err("not displayName eq 'x'");
        assert_eq!(e.span, 0..18);
        assert_eq!(
            e.message,
            "'not' applies only to 'displayName', not to the comparison (column 1)"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("'not' binds tighter than 'eq': write not(displayName eq ...)")
        );
        let e = ok("NOT groupTypes/any(c:c eq 'Unified')");
        assert!(matches!(e.kind, ExprKind::Not { .. }));
        let e = ok("not(a eq 1) and b eq 2");
        assert!(matches!(e.kind, ExprKind::And(_)));
        // A negated boolean compared with a literal is valid OData.
        let e = ok("not startsWith(a, 'b') eq true");
        let ExprKind::Compare { left, .. } = &e.kind else {
            panic!()
        };
        assert!(matches!(left.kind, ExprKind::Not { .. }));
        let e = ok("not not (a eq 1)");
        assert!(
            matches!(&e.kind, ExprKind::Not { expr, .. } if matches!(expr.kind, ExprKind::Not { .. }))
        );
    }

    #[test]
    fn parens_are_transparent_but_widen_span() {
        let e = ok("(a eq 1)");
        assert!(matches!(e.kind, ExprKind::Compare { .. }));
        assert_eq!(e.span, 0..8);
    }

    #[test]
    fn lambda_forms() {
        let e = ok("assignedLicenses/any(x:x/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)");
        let ExprKind::Lambda(l) = &e.kind else {
            panic!()
        };
        assert_eq!(l.kind, LambdaKind::Any);
        assert_eq!(l.variable.as_ref().unwrap().0, "x");
        let body = l.body.as_ref().unwrap();
        let ExprKind::Compare { left, .. } = &body.kind else {
            panic!()
        };
        let p = left.as_path().unwrap();
        assert!(p.from_variable);
        assert_eq!(p.property_segments()[0].name, "skuId");
        let e = ok("assignedLicenses/any()");
        assert!(matches!(
            e.kind,
            ExprKind::Lambda(Lambda { body: None, .. })
        ));
    }

    #[test]
    fn count_segment() {
        let e = ok("assignedLicenses/$count eq 0");
        let ExprKind::Compare { left, .. } = &e.kind else {
            panic!()
        };
        assert!(left.as_path().unwrap().ends_with_count());
    }

    #[test]
    fn in_list() {
        let e = ok("userType in ('Member', 'Guest')");
        let ExprKind::In {
            list, list_span, ..
        } = &e.kind
        else {
            panic!()
        };
        assert_eq!(list.len(), 2);
        assert_eq!(*list_span, 12..31);
    }

    #[test]
    fn messages() {
        let e = err("(displayName eq 'a'");
        assert_eq!(e.message, "expected a closing ')' at column 20");
        assert_eq!(e.span, 19..19);
        let e = err("displayName eq");
        assert_eq!(e.message, "expected a value after 'eq' at column 15");
        let e = err("displayName equals 'a'");
        assert_eq!(
            e.message,
            "unknown operator 'equals' at column 13 — did you mean 'eq'?"
        );
        let e = err("displayName eq 'abc");
        assert_eq!(e.message, "unterminated string starting at column 16");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "(".repeat(100_000);
        let e = err(&src);
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        let src = "not ".repeat(100_000) + "a eq 1";
        assert!(err(&src).message.contains("nested too deeply"));
        let ok_src = format!("{}a eq 1{}", "(".repeat(30), ")".repeat(30));
        ok(&ok_src);
    }

    #[test]
    fn long_chains_are_flat() {
        let src = vec!["a eq 1"; 50_000].join(" and ");
        let e = ok(&src);
        assert!(matches!(e.kind, ExprKind::And(ref v) if v.len() == 50_000));
    }

    #[test]
    fn parse_in_uses_outer_positions() {
        let full = "members($filter=a eq 1)";
        let e = parse_in(full, 16..22).unwrap();
        assert_eq!(e.span, 16..22);
        let full = "members($filter=a eq)";
        let err = parse_in(full, 16..20).unwrap_err();
        assert_eq!(err.span, 20..20);
        assert_eq!(err.message, "expected a value after 'eq' at column 21");
        assert!(parse_in("é", 1..2).is_err());
        assert!(parse_in("abc", 5..9).is_err());
    }

    #[test]
    fn edit_distance_works() {
        assert_eq!(edit_distance("eq", "qe"), 1);
        assert_eq!(edit_distance("adn", "and"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("e", "eq"), 1);
        assert_eq!(closest_operator("eqq"), Some("eq"));
    }
}
