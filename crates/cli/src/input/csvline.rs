//! A small RFC 4180 field splitter for one line (quoted fields with `""`
//! escapes; no embedded newlines, which shop exports here do not use).

/// Splits one line on `sep`, honouring double quotes. Returns `None` for an
/// unterminated quote.
pub fn split_csv_line(line: &str, sep: char) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && at_start {
            in_quotes = true;
            at_start = false;
        } else if c == sep {
            out.push(std::mem::take(&mut field));
            at_start = true;
        } else {
            field.push(c);
            at_start = false;
        }
    }
    if in_quotes {
        return None;
    }
    out.push(field);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_fields() {
        assert_eq!(
            split_csv_line(r#"1,"a, b","say ""hi""",x"#, ',').unwrap(),
            vec!["1", "a, b", r#"say "hi""#, "x"]
        );
        assert_eq!(split_csv_line("a\tb", '\t').unwrap(), vec!["a", "b"]);
        assert_eq!(split_csv_line("", ',').unwrap(), vec![""]);
        assert!(split_csv_line(r#"1,"open"#, ',').is_none());
    }
}
