package tracker

import (
	"net/url"
	"strconv"
)

// SampleForm adds to v the form fields of a survey page's items, each
// with a valid answer, as a diligent learner would post them: a number
// its minimum (or 1), a text "ok", each matrix row its first option, a
// choice its first option that is neither exclusive nor "prefer not to
// say" (with words when it asks for them). shows picks the items the
// page shows. The load command and the tests post surveys with it.
func SampleForm(in *Instrument, v url.Values, shows func(*Item) bool) {
	for _, it := range in.Items() {
		if !shows(it) {
			continue
		}
		name := "i." + it.ID
		switch it.Type {
		case NumberItem:
			n := 1
			if it.Min != nil {
				n = *it.Min
			}
			v.Set(name, strconv.Itoa(n))
		case ShortText, LongText:
			v.Set(name, "ok")
		case Matrix:
			opts := it.Choices("en")
			for _, row := range it.Rows {
				v.Set("m."+it.ID+"."+row.Code, opts[0].Code)
			}
		default:
			for _, o := range it.Choices("en") {
				if o.Exclusive || o.Code == PreferNotCode {
					continue
				}
				v.Set(name, o.Code)
				if o.Specify || o.Code == OtherCode {
					v.Set("o."+it.ID, "my words")
				}
				break
			}
		}
	}
}
