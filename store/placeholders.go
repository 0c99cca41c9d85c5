package store

import "strings"

// placeholders repeats a statement's bound-value group n times, comma
// separated: placeholders("?", 3) is "?, ?, ?" for an IN list, and
// placeholders("(?, ?)", 2) is "(?, ?), (?, ?)" for rows of VALUES.
func placeholders(group string, n int) string {
	if n <= 0 {
		return ""
	}
	return group + strings.Repeat(", "+group, n-1)
}
