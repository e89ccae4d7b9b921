//! Checks on heads the library writes, the same for both roles: rule R5 says no value may
//! smuggle a line break or a control byte into the output.

/// Whether `b` is an HTTP token byte (RFC 9110 tchar).
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether a written field value is clean: no control byte but HTAB, no DEL.
pub fn is_clean_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7F))
}

/// Splits a written head into its lines (without their CR LF) after checking its structure:
/// it ends in CR LF CR LF, that blank line is the only empty line, every CR is followed by LF
/// and every LF preceded by CR, and no line holds a NUL or another control byte but HTAB.
pub fn head_lines(head: &[u8]) -> Vec<&[u8]> {
    assert!(
        head.ends_with(b"\r\n\r\n"),
        "head does not end in CR LF CR LF: {:?}",
        String::from_utf8_lossy(head)
    );
    let lines: Vec<&[u8]> = head[..head.len() - 4].split(|&b| b == b'\n').collect();
    for (i, line) in lines.iter().enumerate() {
        // Every piece but the last ended in LF; the last ended at the final CR LF CR LF.
        let text = if i + 1 < lines.len() {
            line.strip_suffix(b"\r")
                .unwrap_or_else(|| panic!("LF without CR in line {i} of the head"))
        } else {
            line
        };
        assert!(!text.is_empty(), "empty line {i} inside the head");
        assert!(
            is_clean_value(text),
            "control byte in line {i} of the head: {:?}",
            String::from_utf8_lossy(text)
        );
    }
    lines
        .into_iter()
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect()
}

/// Splits a written field line into name and value: a token, a colon, exactly one space.
pub fn field_line(line: &[u8]) -> (&[u8], &[u8]) {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .unwrap_or_else(|| panic!("field line without colon: {:?}", lossy(line)));
    let (name, rest) = line.split_at(colon);
    assert!(
        !name.is_empty() && name.iter().all(|&b| is_tchar(b)),
        "field name is not a token: {:?}",
        lossy(line)
    );
    let value = rest
        .strip_prefix(b": ")
        .unwrap_or_else(|| panic!("no single space after the colon: {:?}", lossy(line)));
    (name, value)
}

/// Bytes shown as text in a panic message.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
