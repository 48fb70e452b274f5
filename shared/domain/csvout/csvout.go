// Package csvout is for writing CSV files that people open in spreadsheet
// programs: the byte-order mark that makes them read UTF-8, and cells that
// cannot run as formulas. The members export, the import results and the
// reports share it.
package csvout

import "github.com/learnops/backoffice/shared/domain/csvin"

// BOM is the UTF-8 byte-order mark: written first, it makes spreadsheet
// programs read the file as UTF-8, so that accented names show as typed.
const BOM = csvin.BOM

// Neutralise returns s with a leading single quote when a spreadsheet would
// evaluate it as a formula (it starts with =, +, -, @, a tab or a carriage
// return), and s unchanged otherwise.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
