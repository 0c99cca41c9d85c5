package tracker

import "strconv"

// An instrument is one questionnaire: the consent form, the entry profile,
// the exit evaluation and so on. It is written as a JSON file (see
// instruments/FORMAT.md), parsed and validated by ParseInstrument, and never
// changed in place once learners have answered it: a changed instrument gets
// a new Version and old answers keep the version they were given under.

// Text is a text in every supported language, keyed by language code.
type Text map[string]string

// In returns the text in lang, or the English text when lang has none.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t[Languages[0]]
}

// Wave is the moment of the course an instrument belongs to.
type Wave string

// The waves of DOMAIN.md.
const (
	WaveConsent         Wave = "consent"
	WaveEntry           Wave = "entry"
	WaveExit            Wave = "exit"
	WaveFollowup        Wave = "followup"
	WaveMicrocredential Wave = "microcredential" // learner view of a micro-credential
	WaveProvider        Wave = "provider"        // provider self-assessment
)

// Waves lists every wave in course order.
var Waves = []Wave{WaveConsent, WaveEntry, WaveExit, WaveFollowup, WaveMicrocredential, WaveProvider}

// ItemType is the kind of question an item asks, which decides the form
// control, the answers it accepts and the fields it may have.
type ItemType string

// The item types.
const (
	SingleChoice   ItemType = "single_choice"   // one of Options
	MultipleChoice ItemType = "multiple_choice" // any of Options; Exclusive ones stand alone
	ScaleItem      ItemType = "scale"           // one statement on a named Scale, e.g. agree5
	Rating10       ItemType = "rating_0_10"     // 0 to 10, e.g. likelihood to recommend
	Matrix         ItemType = "matrix"          // several Rows, each on the same named Scale
	NumberItem     ItemType = "number"          // a whole number between Min and Max
	ShortText      ItemType = "short_text"      // one line
	LongText       ItemType = "long_text"       // a paragraph
	CountryItem    ItemType = "country"         // ISO 3166-1 alpha-2, list generated
	LanguageItem   ItemType = "language"        // ISO 639-1, list generated
)

// ItemTypes lists every item type.
var ItemTypes = []ItemType{SingleChoice, MultipleChoice, ScaleItem, Rating10, Matrix, NumberItem, ShortText, LongText, CountryItem, LanguageItem}

// Default and largest lengths of text answers, in characters.
const (
	ShortTextLength = 200
	LongTextLength  = 5000
	MaxTextLength   = 20000
)

// Instrument is one versioned, multilingual questionnaire.
type Instrument struct {
	ID          string           `json:"id"`      // stable slug, e.g. "entry"
	Version     int              `json:"version"` // 1, 2, ...
	Wave        Wave             `json:"wave"`
	Title       Text             `json:"title"`
	Description Text             `json:"description,omitempty"`
	Minutes     int              `json:"minutes"` // estimated time to answer
	Pages       []InstrumentPage `json:"pages"`
}

// InstrumentPage is one screen of an instrument.
type InstrumentPage struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
	Intro Text   `json:"intro,omitempty"`
	// Sensitive pages hold special-category items only, so that the whole
	// page is skipped when that consent is refused.
	Sensitive bool   `json:"sensitive,omitempty"`
	Items     []Item `json:"items"`
}

// Item is one question. Which fields apply depends on Type; Validate
// refuses fields that do not.
type Item struct {
	ID       string   `json:"id"` // stable code, e.g. "age_band"
	Type     ItemType `json:"type"`
	Label    Text     `json:"label"`
	Help     Text     `json:"help,omitempty"`
	Required bool     `json:"required,omitempty"`

	Options []Option `json:"options,omitempty"` // single and multiple choice
	// Other adds the standard "other, please specify" option (code "other").
	Other bool `json:"other,omitempty"`
	// PreferNotToSay adds the standard "prefer not to say" option (code
	// "prefer_not"), exclusive of all others.
	PreferNotToSay bool `json:"prefer_not_to_say,omitempty"`

	Scale string   `json:"scale,omitempty"` // scale and matrix: a named scale, e.g. "agree5"
	Rows  []Option `json:"rows,omitempty"`  // matrix

	Min *int `json:"min,omitempty"` // number
	Max *int `json:"max,omitempty"` // number

	MaxLength int `json:"max_length,omitempty"` // texts; 0 means the default for the type

	LowLabel  Text `json:"low_label,omitempty"`  // rating_0_10: what 0 means
	HighLabel Text `json:"high_label,omitempty"` // rating_0_10: what 10 means

	ShowIf *ShowIf `json:"show_if,omitempty"`
	// Sensitive marks special-category data (e.g. the Washington Group
	// items): optional, separately consented, reported in aggregate only.
	Sensitive bool `json:"sensitive,omitempty"`
}

// Option is one answer an item offers, or one row of a matrix.
type Option struct {
	Code  string `json:"code"` // stable, stored with the answer
	Label Text   `json:"label"`
	// Exclusive options ("none", "prefer not to say") cannot be combined
	// with others in a multiple-choice item.
	Exclusive bool `json:"exclusive,omitempty"`
	// Specify asks for a free text when the option is chosen, e.g. gender
	// "self-describe".
	Specify bool `json:"specify,omitempty"`
}

// ShowIf shows an item only when an earlier item was answered with one of
// AnyOf, or, with AnyOf empty, answered at all.
type ShowIf struct {
	Item  string   `json:"item"`
	AnyOf []string `json:"any_of,omitempty"`
}

// Standard option codes added by Item.Other and Item.PreferNotToSay.
const (
	OtherCode     = "other"
	PreferNotCode = "prefer_not"
)

// Items returns the instrument's items in order.
func (in *Instrument) Items() []*Item {
	var out []*Item
	for p := range in.Pages {
		for i := range in.Pages[p].Items {
			out = append(out, &in.Pages[p].Items[i])
		}
	}
	return out
}

// Item returns the item with the given id, or nil.
func (in *Instrument) Item(id string) *Item {
	for _, it := range in.Items() {
		if it.ID == id {
			return it
		}
	}
	return nil
}

// Page returns the page with the given id, or nil.
func (in *Instrument) Page(id string) *InstrumentPage {
	for p := range in.Pages {
		if in.Pages[p].ID == id {
			return &in.Pages[p]
		}
	}
	return nil
}

// TextLimit is the longest text answer the item accepts, in characters.
func (it *Item) TextLimit() int {
	switch {
	case it.MaxLength > 0:
		return it.MaxLength
	case it.Type == LongText:
		return LongTextLength
	default:
		return ShortTextLength
	}
}

// Choices returns the options a learner picks from, labelled in every
// language and, for country and language items, sorted for lang. Matrix
// items return their scale (the columns). Numbers and texts have none.
func (it *Item) Choices(lang string) []Option {
	var out []Option
	switch it.Type {
	case SingleChoice, MultipleChoice:
		out = append(out, it.Options...)
		if it.Other {
			out = append(out, otherOption())
		}
	case ScaleItem, Matrix:
		out, _ = ScaleOptions(it.Scale)
	case Rating10:
		for n := 0; n <= 10; n++ {
			code := strconv.Itoa(n)
			label := Text{}
			for _, l := range Languages {
				label[l] = code
			}
			out = append(out, Option{Code: code, Label: label})
		}
	case CountryItem:
		out = CountryOptions(lang)
	case LanguageItem:
		out = LanguageOptions(lang)
	default:
		return nil
	}
	if it.PreferNotToSay {
		out = append(out, preferNotOption())
	}
	return out
}

// option returns the item's option with the given code.
func (it *Item) option(code string) (Option, bool) {
	switch it.Type {
	case CountryItem:
		if isCountryCode(code) {
			return Option{Code: code}, true
		}
	case LanguageItem:
		if isLanguageCode(code) {
			return Option{Code: code}, true
		}
	case Rating10:
		if n, err := strconv.Atoi(code); err == nil && n >= 0 && n <= 10 && strconv.Itoa(n) == code {
			return Option{Code: code}, true
		}
	default:
		for _, o := range it.Choices(Languages[0]) {
			if o.Code == code {
				return o, true
			}
		}
		return Option{}, false
	}
	if it.PreferNotToSay && code == PreferNotCode {
		return preferNotOption(), true
	}
	return Option{}, false
}

// hasCodes reports whether answers to the item are option codes, which
// show_if conditions can test.
func (it *Item) hasCodes() bool {
	switch it.Type {
	case SingleChoice, MultipleChoice, ScaleItem, Rating10, CountryItem, LanguageItem:
		return true
	}
	return false
}
