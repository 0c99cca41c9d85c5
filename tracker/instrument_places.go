package tracker

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Country and language items offer generated lists: the codes are the
// standards' (typed here so the set does not move with x/text's data),
// the names come from CLDR through x/text/language/display.

// iso3166Alpha2 holds the 249 officially assigned ISO 3166-1 alpha-2 codes,
// without reserved or withdrawn ones (UK, EU, AC, YU...).
const iso3166Alpha2 = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`

// iso6391 holds the 183 ISO 639-1 codes in use, without withdrawn ones
// (iw, in, ji, jw, mo, sh, bh).
const iso6391 = `aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs
ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy
ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu
ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv
mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os
pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu`

func isCountryCode(code string) bool {
	return len(code) == 2 && slices.Contains(strings.Fields(iso3166Alpha2), code)
}

func isLanguageCode(code string) bool {
	return len(code) == 2 && slices.Contains(strings.Fields(iso6391), code)
}

// CountryOptions returns one option per ISO 3166-1 country, coded by its
// alpha-2 code ("SI"), labelled with its CLDR name in every supported
// language and sorted by the name in lang. The list is shared: callers
// must not change it (appending copies it).
func CountryOptions(lang string) []Option { return inLanguage(countryLists(), lang) }

// LanguageOptions returns one option per ISO 639-1 language, coded by its
// two-letter code ("sl"), labelled with its CLDR name in every supported
// language and sorted by the name in lang. Shared like CountryOptions.
func LanguageOptions(lang string) []Option { return inLanguage(languageLists(), lang) }

// The lists are built once per process: labelling and collating 249
// countries took a sizeable share of a survey page's CPU time.
var (
	countryLists = sync.OnceValue(func() map[string][]Option {
		return placeOptions(strings.Fields(iso3166Alpha2), display.Regions, func(code string) any {
			return language.MustParseRegion(code)
		})
	})
	languageLists = sync.OnceValue(func() map[string][]Option {
		return placeOptions(strings.Fields(iso6391), display.Languages, func(code string) any {
			return language.MustParseBase(code)
		})
	})
)

// inLanguage picks lang's list (the first supported language's when lang
// is not supported), capped so that an append cannot write into it.
func inLanguage(lists map[string][]Option, lang string) []Option {
	l, ok := lists[lang]
	if !ok {
		l = lists[Languages[0]]
	}
	return l[:len(l):len(l)]
}

// placeOptions labels codes in every language, falling back to the English
// name (CLDR lacks a few, e.g. Zhuang in Slovenian) and then to the code,
// and returns the options sorted by their name in each supported language.
// Names start with a capital as list entries do, even in languages that
// write language names in lower case ("alemán" → "Alemán").
func placeOptions(codes []string, namer func(language.Tag) display.Namer, parse func(string) any) map[string][]Option {
	namers := make(map[string]display.Namer, len(Languages))
	for _, l := range Languages {
		namers[l] = namer(language.Make(l))
	}
	labelled := make([]Option, len(codes))
	for i, code := range codes {
		v := parse(code)
		label := make(Text, len(Languages))
		for _, l := range Languages {
			n := namers[l].Name(v)
			if n == "" {
				n = namers[Languages[0]].Name(v)
			}
			if n == "" {
				n = code
			}
			label[l] = capitalize(n)
		}
		labelled[i] = Option{Code: code, Label: label}
	}
	lists := make(map[string][]Option, len(Languages))
	for _, lang := range Languages {
		col := collate.New(language.Make(lang))
		sorted := slices.Clone(labelled)
		slices.SortStableFunc(sorted, func(a, b Option) int {
			return col.CompareString(a.Label[lang], b.Label[lang])
		})
		lists[lang] = sorted
	}
	return lists
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
