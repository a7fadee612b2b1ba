package account

import (
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The country field holds an ISO 3166-1 alpha-2 code, chosen from a list
// rather than typed: codes compare and filter reliably, cannot carry
// injected text, and the list shows each country's name in the reader's
// language (from CLDR, through golang.org/x/text).

// countryCodes are the 249 officially assigned ISO 3166-1 alpha-2 codes.
const countryCodes = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// CountryCodes lists the accepted country codes, alphabetically.
func CountryCodes() []string { return strings.Fields(countryCodes) }

// ValidCountry reports whether code is an accepted country code
// (uppercase, as the form sends it).
func ValidCountry(code string) bool {
	return len(code) == 2 && slices.Contains(CountryCodes(), code)
}

// Country is one entry of the country list.
type Country struct {
	Code string // ISO 3166-1 alpha-2
	Name string // in the requested language
}

// countryLists caches Countries per language.
var countryLists sync.Map // lang -> []Country

// Countries lists every accepted country with its name in lang (a BCP 47
// tag; English when unknown), sorted the way readers of lang expect. The
// caller must not modify the list.
func Countries(lang string) []Country {
	if list, ok := countryLists.Load(lang); ok {
		return list.([]Country)
	}
	list := buildCountries(lang)
	countryLists.Store(lang, list)
	return list
}

// currentNames are the countries whose CLDR name in golang.org/x/text
// is out of date, by base language and code: North Macedonia (2019),
// Eswatini (2018), Türkiye (2022). Languages not listed keep CLDR's names.
var currentNames = map[language.Base]map[string]string{
	mustBase("en"): {"MK": "North Macedonia", "SZ": "Eswatini", "TR": "Türkiye"},
	mustBase("ru"): {"MK": "Северная Македония", "SZ": "Эсватини", "TR": "Турция"},
}

func mustBase(s string) language.Base {
	b, err := language.ParseBase(s)
	if err != nil {
		panic(err)
	}
	return b
}

func buildCountries(lang string) []Country {
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.English
	}
	base, _ := tag.Base()
	names := display.Regions(tag)
	list := make([]Country, 0, 249)
	for _, code := range CountryCodes() {
		name := code
		if r, err := language.ParseRegion(code); err == nil {
			if n := names.Name(r); n != "" {
				name = n
			}
		}
		if n, ok := currentNames[base][code]; ok {
			name = n
		}
		list = append(list, Country{Code: code, Name: name})
	}
	col := collate.New(tag, collate.IgnoreCase)
	slices.SortStableFunc(list, func(a, b Country) int { return col.CompareString(a.Name, b.Name) })
	return list
}
