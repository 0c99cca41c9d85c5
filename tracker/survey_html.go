package tracker

import (
	"html/template"
	"slices"
	"strconv"
	"strings"
)

// The items of survey and consent pages are written as HTML here rather
// than in a template: a page is mostly items and their options, and
// drawing each value through html/template (a reflective call per value
// and escaper) took most of a page's CPU time in the load profile; a
// country list alone has 249 options. The page around them stays in
// templates. Every value from an instrument, a translation or an answer
// goes through esc (template.HTMLEscapeString), which escapes what both a
// quoted attribute value and text need: & < > " ' and NUL.

func esc(s string) string { return template.HTMLEscapeString(s) }

// itemHTML writes one item: its question, help, error message and
// controls, in a div the error summary links to. optional marks an item
// that may be left out; choose is a select's empty first option.
func itemHTML(v *itemView, optional, choose string) template.HTML {
	var b strings.Builder
	b.Grow(1024 + len(v.Choices) + len(v.SelectOptions))
	anchor := esc(v.Anchor)
	b.WriteString("\n<div class=\"item")
	if v.Error != "" {
		b.WriteString(" has-error")
	}
	b.WriteString(`" id="` + anchor + "\">\n")
	question := esc(v.Label)
	if !v.Required {
		question += ` <span class="optional">(` + esc(optional) + `)</span>`
	}
	// note writes a help or error line (none when text is empty), with
	// the id the controls point to when withID, and ends the line.
	note := func(class, suffix, text string, withID bool) {
		if text != "" {
			b.WriteString(`<p class="` + class + `"`)
			if withID {
				b.WriteString(` id="` + anchor + suffix + `"`)
			}
			b.WriteString(">" + esc(text) + "</p>")
		}
		b.WriteString("\n")
	}
	helpAndError := func(withID bool) {
		note("help", "-help", v.Help, withID)
		note("field-error", "-error", v.Error, withID)
	}
	invalid := ""
	if v.Error != "" {
		invalid = ` aria-invalid="true" aria-describedby="` + anchor + `-error"`
	}
	switch v.Control {
	case "radio", "checkbox":
		b.WriteString("\n<fieldset")
		if v.Help != "" {
			b.WriteString(` aria-describedby="` + anchor + `-help"`)
		}
		b.WriteString(">\n<legend>" + question + "</legend>\n")
		helpAndError(true)
		if v.LowLabel != "" {
			b.WriteString(`<p class="help">0 = ` + esc(v.LowLabel) + ` · 10 = ` + esc(v.HighLabel) + `</p>`)
		}
		b.WriteString("\n<div class=\"choices")
		if v.InRow {
			b.WriteString(" row")
		}
		b.WriteString("\">\n")
		b.WriteString(string(v.Choices))
		b.WriteString("\n</div>\n</fieldset>\n")
	case "matrix":
		b.WriteString("\n<fieldset>\n<legend>" + question + "</legend>\n")
		helpAndError(false)
		for _, r := range v.Rows {
			b.WriteString("\n<fieldset class=\"matrix-row\">\n<legend>" + esc(r.Label) + "</legend>\n<div class=\"choices\">")
			b.WriteString(string(r.Choices))
			b.WriteString("</div>\n</fieldset>\n")
		}
		b.WriteString("\n</fieldset>\n")
	default:
		b.WriteString("\n<label class=\"question\" for=\"" + anchor + "-input\">" + question + "</label>\n")
		helpAndError(true)
		input := `id="` + anchor + `-input" name="` + esc(v.Name) + `"`
		switch v.Control {
		case "select":
			b.WriteString("\n<select " + input + invalid + ">\n<option value=\"\">" + esc(choose) + "</option>\n")
			b.WriteString(string(v.SelectOptions))
			b.WriteString("\n</select>\n")
		case "textarea":
			b.WriteString("\n<textarea " + input + ` rows="5" maxlength="` + strconv.Itoa(v.MaxLength) + `"` + invalid + ">" +
				esc(v.Text) + "</textarea>\n")
		case "number":
			b.WriteString("\n<input type=\"text\" inputmode=\"numeric\" " + input + ` value="` + esc(v.Text) + `" size="6"` + invalid + ">\n")
		default:
			b.WriteString("\n<input type=\"text\" " + input + ` value="` + esc(v.Text) + `" maxlength="` + strconv.Itoa(v.MaxLength) + `"` + invalid + ">\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</div>\n")
	return template.HTML(b.String())
}

// choiceInput is the text box of an option that asks to specify.
type choiceInput struct {
	Label, Name, Value string
}

// choiceInputs writes one radio button or checkbox per option, each with
// its label, and the text box after an option that asks to specify.
func choiceInputs(control, name string, opts []optionView, specify choiceInput) template.HTML {
	var b strings.Builder
	b.Grow(len(opts) * 160)
	for _, o := range opts {
		id := esc(o.ID)
		b.WriteString(`<div class="choice">` + "\n" + `<input type="` + control + `" id="` + id + `" name="` + esc(name) +
			`" value="` + esc(o.Code) + `"`)
		if o.Checked {
			b.WriteString(" checked")
		}
		b.WriteString(">\n" + `<label for="` + id + `">` + esc(o.Label) + "</label>\n")
		if o.Specify {
			b.WriteString(`<label class="specify" for="` + id + `-text">` + esc(specify.Label) + `</label> <input type="text" id="` +
				id + `-text" name="` + esc(specify.Name) + `" value="` + esc(specify.Value) + `" maxlength="200">`)
		}
		b.WriteString("\n</div>")
	}
	return template.HTML(b.String())
}

// selectOptions writes a select's options.
func selectOptions(choices []Option, chosen []string, lang string) template.HTML {
	var b strings.Builder
	b.Grow(len(choices) * 40)
	for _, c := range choices {
		b.WriteString(`<option value="` + esc(c.Code) + `"`)
		if slices.Contains(chosen, c.Code) {
			b.WriteString(" selected")
		}
		b.WriteString(">" + esc(c.Label.In(lang)) + "</option>")
	}
	return template.HTML(b.String())
}
