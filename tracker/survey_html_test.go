package tracker

import (
	"strings"
	"testing"
)

// TestItemHTMLEscapesEverything puts markup in every value an item's HTML
// writes, for every kind of control: none of it may come out as markup.
func TestItemHTMLEscapesEverything(t *testing.T) {
	const evil = `"><script>x</script>'&`
	opts := []optionView{{ID: "f-q-" + evil, Code: evil, Label: evil, Checked: true, Specify: true}}
	specify := choiceInput{Label: evil, Name: evil, Value: evil}
	rows := []rowView{{Code: evil, Label: evil, Name: evil, Choices: choiceInputs("radio", evil, opts, choiceInput{})}}
	options := selectOptions([]Option{{Code: evil, Label: Text{"en": evil}}}, []string{evil}, "en")
	for _, control := range []string{"radio", "checkbox", "matrix", "select", "textarea", "number", "text"} {
		v := &itemView{
			ID: evil, Anchor: "q-" + evil, Name: evil, OtherName: evil, Control: control,
			Label: evil, Help: evil, Error: evil, Text: evil, LowLabel: evil, HighLabel: evil,
			Choices: choiceInputs(control, evil, opts, specify), SelectOptions: options, Rows: rows, MaxLength: 10,
		}
		out := string(itemHTML(v, evil, evil))
		if strings.Contains(out, "<script") || strings.Contains(out, `"><script`) || strings.Contains(out, "'&") {
			t.Errorf("%s: markup got through:\n%s", control, out)
		}
		if !strings.Contains(out, "&lt;script&gt;") {
			t.Errorf("%s: the values are missing:\n%s", control, out)
		}
	}
}
