package tracker

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Link errors: what a person who opens a mailed link may meet. Each has
// its own page in the error table.
var (
	// ErrLinkInvalid is a link that was altered, cut, or never issued.
	ErrLinkInvalid = errors.New("link invalid")
	// ErrLinkExpired is a genuine link past its lifetime.
	ErrLinkExpired = errors.New("link expired")
	// ErrLinkUsed is a genuine single-use link that was used.
	ErrLinkUsed = errors.New("link already used")
)

// Kinds of mailed links.
const (
	linkSurvey      = "s" // opens a wave's survey; subject: the wave id
	linkUnsubscribe = "u" // withdraws the contact purpose; subject: the wave id
	linkConfirm     = "c" // confirms an address; subject: platform-learner-lang
)

// derive returns a key for one use, derived from the pseudonym key by
// HKDF. Links live for months in mailboxes: the pseudonym key is the one
// secret that never rotates (rotating it would orphan every answer), so
// links keep working when the session key is rotated.
func (s Secrets) derive(use string) []byte {
	k, err := hkdf.Key(sha256.New, s.PseudonymKey, nil, "astre "+use, 32)
	if err != nil {
		panic(fmt.Sprintf("hkdf: %v", err)) // only for a key length SHA-256 cannot give
	}
	return k
}

// AddressHash is the keyed hash of an e-mail address (trimmed, lower
// case) by which confirmations are recorded without storing the address
// in clear.
func (s Secrets) AddressHash(email string) string {
	m := hmac.New(sha256.New, s.derive("contact address"))
	m.Write([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(m.Sum(nil))
}

// link is a parsed link token: kind.subject.expires.mac.
type link struct {
	kind    string
	subject string
	expires int64 // Unix seconds; 0 never expires
	mac     []byte
}

// signLink makes a token for kind and subject. binding is what the token
// is bound to but does not carry (the learner pseudonym and wave, or the
// address hash): the server finds it from the subject and checks it.
func (s Secrets) signLink(kind, subject string, expires time.Time, binding string) string {
	var exp int64
	if !expires.IsZero() {
		exp = expires.Unix()
	}
	l := link{kind: kind, subject: subject, expires: exp}
	return kind + "." + subject + "." + strconv.FormatInt(exp, 10) + "." +
		base64.RawURLEncoding.EncodeToString(s.linkMAC(l, binding))
}

func (s Secrets) linkMAC(l link, binding string) []byte {
	m := hmac.New(sha256.New, s.derive("follow-up links"))
	fmt.Fprintf(m, "%s|%s|%d|%s", l.kind, l.subject, l.expires, binding)
	return m.Sum(nil)
}

// parseLink splits a token of kind; it does not check the MAC, which
// needs the binding found from the subject.
func parseLink(token, kind string) (link, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 4 || parts[0] != kind || parts[1] == "" {
		return link{}, ErrLinkInvalid
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || exp < 0 {
		return link{}, ErrLinkInvalid
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || len(mac) != sha256.Size {
		return link{}, ErrLinkInvalid
	}
	return link{kind: kind, subject: parts[1], expires: exp, mac: mac}, nil
}

// checkLink verifies l's MAC against binding, then its lifetime: a
// tampered link is invalid whatever its date.
func (s Secrets) checkLink(l link, binding string, now time.Time) error {
	if !hmac.Equal(l.mac, s.linkMAC(l, binding)) {
		return ErrLinkInvalid
	}
	if l.expires != 0 && now.Unix() >= l.expires {
		return ErrLinkExpired
	}
	return nil
}

// waveBinding is what survey and unsubscribe links are bound to.
func waveBinding(w *FollowupWave) string {
	return w.Learner + "|" + strconv.Itoa(w.Wave)
}

// waveSubject reads the wave id of a survey or unsubscribe link.
func waveSubject(l link) (int64, error) {
	id, err := strconv.ParseInt(l.subject, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrLinkInvalid
	}
	return id, nil
}

// confirmSubject is the subject of a confirmation link.
func confirmSubject(platformID int64, learner, lang string) string {
	return strconv.FormatInt(platformID, 10) + "-" + learner + "-" + lang
}

// parseConfirmSubject reads platform, learner and language back.
func parseConfirmSubject(l link) (int64, string, string, error) {
	parts := strings.Split(l.subject, "-")
	if len(parts) != 3 {
		return 0, "", "", ErrLinkInvalid
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || id <= 0 || parts[1] == "" {
		return 0, "", "", ErrLinkInvalid
	}
	return id, parts[1], parts[2], nil
}

// langError carries the language of the person an error page is for,
// when a link told it and the request does not.
type langError struct {
	err  error
	lang string
}

func (e *langError) Error() string { return e.err.Error() }
func (e *langError) Unwrap() error { return e.err }

// inLang wraps err with the language its page should be shown in.
func inLang(err error, lang string) error {
	if err == nil || lang == "" {
		return err
	}
	return &langError{err: err, lang: lang}
}
