package ltitest

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// LaunchForm is an HTML form as a browser would submit it: the auth
// endpoint's auto-post page, or a tool's deep linking response page.
type LaunchForm struct {
	Method string // upper case; GET if the form does not say
	Action string // absolute URL
	Fields url.Values
}

// ReadForm returns the first <form> of an HTML page with the fields a
// browser would submit from its <input> elements: every named input but
// buttons, files and unchecked boxes. <select> and <textarea> are not
// read. base is the page's URL, against which the action is resolved.
func ReadForm(base *url.URL, page []byte) (LaunchForm, error) {
	var form LaunchForm
	inForm := false
	for _, t := range scanTags(string(page)) {
		switch {
		case t.name == "form" && !inForm:
			inForm = true
			form.Method = strings.ToUpper(t.attrs["method"])
			if form.Method == "" {
				form.Method = "GET"
			}
			action, err := base.Parse(t.attrs["action"])
			if err != nil {
				return LaunchForm{}, fmt.Errorf("ltitest: form action %q: %w", t.attrs["action"], err)
			}
			form.Action = action.String()
			form.Fields = url.Values{}
		case t.name == "/form" && inForm:
			return form, nil
		case t.name == "input" && inForm:
			name, ok := t.attrs["name"]
			if !ok || name == "" {
				continue
			}
			switch strings.ToLower(t.attrs["type"]) {
			case "submit", "button", "reset", "image", "file":
				continue
			case "checkbox", "radio":
				if _, checked := t.attrs["checked"]; !checked {
					continue
				}
			}
			form.Fields.Add(name, t.attrs["value"])
		}
	}
	if inForm {
		return form, nil // an unclosed form still submits
	}
	return LaunchForm{}, errors.New("ltitest: no <form> in page")
}

// tag is a start or end tag: name is lower case, "/form" for an end tag;
// attribute names are lower case and values unescaped.
type tag struct {
	name  string
	attrs map[string]string
}

// scanTags is a small tokenizer for the pages the fake meets. It skips
// comments and the contents of <script> and <style>, and honours quoted
// attribute values containing '>'.
func scanTags(s string) []tag {
	var tags []tag
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return tags
		}
		s = s[i+1:]
		if strings.HasPrefix(s, "!--") {
			end := strings.Index(s, "-->")
			if end < 0 {
				return tags
			}
			s = s[end+3:]
			continue
		}
		n := 0
		for n < len(s) && (isNameByte(s[n]) || (n == 0 && s[0] == '/')) {
			n++
		}
		if n == 0 {
			continue
		}
		t := tag{name: strings.ToLower(s[:n]), attrs: map[string]string{}}
		s = parseAttrs(s[n:], t.attrs)
		tags = append(tags, t)
		if t.name == "script" || t.name == "style" {
			end := strings.Index(strings.ToLower(s), "</"+t.name)
			if end < 0 {
				return tags
			}
			s = s[end:]
		}
	}
}

// parseAttrs reads attributes up to the end of the tag and returns the
// rest of the input.
func parseAttrs(s string, attrs map[string]string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n\f/")
		if s == "" {
			return s
		}
		if s[0] == '>' {
			return s[1:]
		}
		n := 0
		for n < len(s) && !strings.ContainsRune(" \t\r\n\f/>=", rune(s[n])) {
			n++
		}
		if n == 0 { // a stray '=': skip it
			s = s[1:]
			continue
		}
		name := strings.ToLower(s[:n])
		s = strings.TrimLeft(s[n:], " \t\r\n\f")
		value := ""
		if strings.HasPrefix(s, "=") {
			s = strings.TrimLeft(s[1:], " \t\r\n\f")
			value, s = attrValue(s)
		}
		if _, dup := attrs[name]; !dup { // the first one wins, as in HTML
			attrs[name] = html.UnescapeString(value)
		}
	}
}

// attrValue reads a quoted or unquoted attribute value.
func attrValue(s string) (value, rest string) {
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return s[1:], ""
		}
		return s[1 : end+1], s[end+2:]
	}
	n := 0
	for n < len(s) && !strings.ContainsRune(" \t\r\n\f>", rune(s[n])) {
		n++
	}
	return s[:n], s[n:]
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}
