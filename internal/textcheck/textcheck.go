// Package textcheck says whether a text may be stored in a field: what
// PostgreSQL refuses (NUL) and what would be stored and shown, or
// exported, as what it is not (control characters, characters that turn
// the direction of text, noncharacters). The API refuses such fields with
// 422; an import rejects the row.
package textcheck

// Problem names, in Chinese, what makes s unfit for a text field, or ""
// when nothing does. Line breaks and tabs are allowed when lines is true
// (free text: notes, reasons, a spreadsheet cell).
func Problem(s string, lines bool) string {
	for _, r := range s {
		switch {
		case r == 0:
			return "空字符（NUL）"
		case r == '\n' || r == '\r' || r == '\t':
			if !lines {
				return "换行符或制表符"
			}
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return "控制字符"
		case r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return "改变文字方向的控制字符"
		case r == 0xfffe || r == 0xffff || r >= 0xfdd0 && r <= 0xfdef:
			return "非字符码位"
		}
	}
	return ""
}
