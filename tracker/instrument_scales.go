package tracker

import "slices"

// Named scales are defined here once, labelled in every language, so that
// every instrument uses the same codes and wording for them.

// Scale names.
const (
	ScaleAgree5 = "agree5" // five-point agreement
	ScaleWG4    = "wg4"    // Washington Group difficulty
)

// ScaleNames lists the named scales.
var ScaleNames = []string{ScaleAgree5, ScaleWG4}

// ScaleOptions returns the options of a named scale, from the low end up,
// and whether the scale exists.
func ScaleOptions(name string) ([]Option, bool) {
	switch name {
	case ScaleAgree5:
		return []Option{
			{Code: "strongly_disagree", Label: Text{
				"en": "Strongly disagree",
				"de": "Stimme überhaupt nicht zu",
				"es": "Totalmente en desacuerdo",
				"el": "Διαφωνώ απόλυτα",
				"it": "Completamente in disaccordo",
				"sl": "Sploh se ne strinjam",
			}},
			{Code: "disagree", Label: Text{
				"en": "Disagree",
				"de": "Stimme eher nicht zu",
				"es": "En desacuerdo",
				"el": "Διαφωνώ",
				"it": "In disaccordo",
				"sl": "Ne strinjam se",
			}},
			{Code: "neutral", Label: Text{
				"en": "Neither agree nor disagree",
				"de": "Teils, teils",
				"es": "Ni de acuerdo ni en desacuerdo",
				"el": "Ούτε συμφωνώ ούτε διαφωνώ",
				"it": "Né d'accordo né in disaccordo",
				"sl": "Niti se ne strinjam niti se strinjam",
			}},
			{Code: "agree", Label: Text{
				"en": "Agree",
				"de": "Stimme eher zu",
				"es": "De acuerdo",
				"el": "Συμφωνώ",
				"it": "D'accordo",
				"sl": "Strinjam se",
			}},
			{Code: "strongly_agree", Label: Text{
				"en": "Strongly agree",
				"de": "Stimme voll und ganz zu",
				"es": "Totalmente de acuerdo",
				"el": "Συμφωνώ απόλυτα",
				"it": "Completamente d'accordo",
				"sl": "Popolnoma se strinjam",
			}},
		}, true
	case ScaleWG4:
		// Wording of the Washington Group Short Set response categories.
		return []Option{
			{Code: "no_difficulty", Label: Text{
				"en": "No difficulty",
				"de": "Keine Schwierigkeiten",
				"es": "Ninguna dificultad",
				"el": "Καμία δυσκολία",
				"it": "Nessuna difficoltà",
				"sl": "Brez težav",
			}},
			{Code: "some", Label: Text{
				"en": "Some difficulty",
				"de": "Einige Schwierigkeiten",
				"es": "Alguna dificultad",
				"el": "Κάποια δυσκολία",
				"it": "Qualche difficoltà",
				"sl": "Nekaj težav",
			}},
			{Code: "a_lot", Label: Text{
				"en": "A lot of difficulty",
				"de": "Große Schwierigkeiten",
				"es": "Mucha dificultad",
				"el": "Μεγάλη δυσκολία",
				"it": "Molta difficoltà",
				"sl": "Veliko težav",
			}},
			{Code: "cannot", Label: Text{
				"en": "Cannot do at all",
				"de": "Kann ich gar nicht",
				"es": "No puedo hacerlo",
				"el": "Δεν μπορώ καθόλου",
				"it": "Non riesco affatto",
				"sl": "Sploh ne zmorem",
			}},
		}, true
	}
	return nil, false
}

func isScaleName(name string) bool { return slices.Contains(ScaleNames, name) }

// otherOption is the option Item.Other adds.
func otherOption() Option {
	return Option{Code: OtherCode, Specify: true, Label: Text{
		"en": "Other (please specify)",
		"de": "Sonstiges (bitte angeben)",
		"es": "Otro (especifique)",
		"el": "Άλλο (προσδιορίστε)",
		"it": "Altro (specificare)",
		"sl": "Drugo (navedite)",
	}}
}

// preferNotOption is the option Item.PreferNotToSay adds.
func preferNotOption() Option {
	return Option{Code: PreferNotCode, Exclusive: true, Label: Text{
		"en": "Prefer not to say",
		"de": "Keine Angabe",
		"es": "Prefiero no contestar",
		"el": "Προτιμώ να μην απαντήσω",
		"it": "Preferisco non rispondere",
		"sl": "Ne želim odgovoriti",
	}}
}
