package useragent

import "strings"

// Agent is what a User-Agent header says, in plain words.
type Agent struct {
	Browser string // "Firefox", "Chrome", ...; "" when unknown
	OS      string // "Windows", "macOS", "Linux", ...; "" when unknown
	Mobile  bool
}

// String is "Browser on OS", with the unknown parts left out ("" when
// nothing is known).
func (a Agent) String() string {
	switch {
	case a.Browser != "" && a.OS != "":
		return a.Browser + " on " + a.OS
	case a.Browser != "":
		return a.Browser
	case a.OS != "":
		return a.OS
	}
	return ""
}

// browsers are tried in order: many browsers also claim to be the ones
// after them (Edge says Chrome and Safari; Chrome says Safari).
var browsers = []struct{ token, name string }{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
	{"OPR/", "Opera"}, {"Opera", "Opera"},
	{"YaBrowser/", "Yandex Browser"},
	{"Vivaldi/", "Vivaldi"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"HeadlessChrome/", "Headless Chrome"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
	{"Safari/", "Safari"},
	{"curl/", "curl"}, {"Wget/", "Wget"}, {"Go-http-client/", "Go HTTP client"},
	{"python-requests/", "Python requests"},
}

var systems = []struct{ token, name string }{
	{"Windows", "Windows"},
	{"iPhone", "iOS"}, {"iPad", "iPadOS"},
	{"Android", "Android"},
	{"CrOS", "ChromeOS"},
	{"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
	{"Linux", "Linux"}, {"X11", "Unix"},
}

// Parse names the browser and system of ua.
func Parse(ua string) Agent {
	var a Agent
	for _, b := range browsers {
		if strings.Contains(ua, b.token) {
			a.Browser = b.name
			break
		}
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			a.OS = s.name
			break
		}
	}
	a.Mobile = strings.Contains(ua, "Mobile") || a.OS == "iOS" || a.OS == "Android"
	return a
}
