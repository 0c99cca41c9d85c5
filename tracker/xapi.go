package tracker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// xAPI statements for the provider's learning record store (DOMAIN.md,
// "Learning-analytics feeds"): consent accepted and withdrawn, survey
// started and completed. The actor is an account {homePage: the tool's
// URL, name: the learner's pseudonym}, never an e-mail; no statement
// carries an answer, so sensitive answers never leave the tool. Each
// statement is an outbox item of kind "xapi", committed with the change
// it reports and delivered with retries by the XAPISender.

// XAPIKind is the outbox kind of xAPI statements.
const XAPIKind = "xapi"

// Verbs (IRIs) of the statements.
const (
	VerbAccepted    = "http://activitystrea.ms/schema/1.0/accept"
	VerbCancelled   = "http://activitystrea.ms/schema/1.0/cancel"
	VerbInitialized = "http://adlnet.gov/expapi/verbs/initialized"
	VerbCompleted   = "http://adlnet.gov/expapi/verbs/completed"
)

var verbNames = map[string]string{VerbAccepted: "accepted", VerbCancelled: "cancelled", VerbInitialized: "initialized", VerbCompleted: "completed"}

// activityTypeSurvey is the activity type of a questionnaire.
const activityTypeSurvey = "http://id.tincanapi.com/activitytype/survey"

// Statement is an xAPI 1.0.3 statement, as much of it as ASTRE sends.
type Statement struct {
	ID        string           `json:"id"`
	Actor     StatementActor   `json:"actor"`
	Verb      StatementVerb    `json:"verb"`
	Object    StatementObject  `json:"object"`
	Result    *StatementResult `json:"result,omitempty"`
	Context   StatementContext `json:"context"`
	Timestamp string           `json:"timestamp"`
}

// StatementActor is an Agent identified by an account.
type StatementActor struct {
	ObjectType string           `json:"objectType"`
	Account    StatementAccount `json:"account"`
}

// StatementAccount is the actor's account: the tool and the pseudonym.
type StatementAccount struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// StatementVerb is a verb IRI and its display name.
type StatementVerb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

// StatementObject is the Activity acted on.
type StatementObject struct {
	ObjectType string               `json:"objectType"`
	ID         string               `json:"id"`
	Definition *StatementDefinition `json:"definition,omitempty"`
}

// StatementDefinition names an activity.
type StatementDefinition struct {
	Name map[string]string `json:"name,omitempty"`
	Type string            `json:"type,omitempty"`
}

// StatementResult reports a completion.
type StatementResult struct {
	Completion bool `json:"completion"`
}

// StatementContext places the statement in its course.
type StatementContext struct {
	Platform          string                       `json:"platform"`
	Language          string                       `json:"language,omitempty"`
	ContextActivities map[string][]StatementObject `json:"contextActivities"`
	Extensions        map[string]string            `json:"extensions,omitempty"`
}

// XAPIStatements builds the statements' outbox items. BaseURL is the
// tool's public URL: the actors' homePage and the root of activity IRIs.
type XAPIStatements struct {
	BaseURL string
}

// XAPIEvent is what happened, to whom, where.
type XAPIEvent struct {
	Verb       string
	Learner    string
	PlatformID int64
	ContextID  string
	Activity   *Activity // nil for consent events without one
	Instrument *Instrument
	Lang       string
	At         time.Time
}

func (x *XAPIStatements) iri(kind string, platformID int64, parts ...string) string {
	iri := x.BaseURL + "/xapi/" + kind + "/" + strconv.FormatInt(platformID, 10)
	for _, p := range parts {
		iri += "/" + url.PathEscape(p)
	}
	return iri
}

// Item builds the outbox item of one event.
func (x *XAPIStatements) Item(e XAPIEvent) (*OutboxItem, error) {
	name, ok := verbNames[e.Verb]
	if !ok {
		return nil, fmt.Errorf("xapi verb %q: %w", e.Verb, ErrInvalid)
	}
	at := e.At.UTC()
	course := StatementObject{ObjectType: "Activity", ID: x.iri("course", e.PlatformID, e.ContextID)}
	st := Statement{
		Actor:     StatementActor{ObjectType: "Agent", Account: StatementAccount{HomePage: x.BaseURL, Name: e.Learner}},
		Verb:      StatementVerb{ID: e.Verb, Display: map[string]string{"en-US": name}},
		Context:   StatementContext{Platform: "ASTRE", Language: e.Lang, ContextActivities: map[string][]StatementObject{"parent": {course}}},
		Timestamp: at.Format(time.RFC3339Nano),
	}
	var activityID int64
	switch e.Verb {
	case VerbAccepted, VerbCancelled:
		st.Object = StatementObject{ObjectType: "Activity", ID: x.iri("consent", e.PlatformID, e.ContextID),
			Definition: &StatementDefinition{Name: map[string]string{"en-US": "Consent to the quality-assurance surveys"}}}
	default:
		if e.Activity == nil || e.Instrument == nil {
			return nil, fmt.Errorf("xapi %s: no activity: %w", name, ErrInvalid)
		}
		activityID = e.Activity.ID
		st.Object = StatementObject{ObjectType: "Activity", ID: x.iri("activity", e.PlatformID, e.ContextID, e.Activity.ResourceLinkID),
			Definition: &StatementDefinition{Name: map[string]string{"en-US": e.Instrument.Title.In("en")}, Type: activityTypeSurvey}}
		st.Context.Extensions = map[string]string{x.BaseURL + "/xapi/extensions/instrument": e.Instrument.ID + "@" + strconv.Itoa(e.Instrument.Version)}
		if e.Verb == VerbCompleted {
			st.Result = &StatementResult{Completion: true}
		}
	}
	key := name + "|" + st.Object.ID + "|" + e.Learner + "|" + strconv.FormatInt(at.UnixMilli(), 10)
	st.ID = uuidFrom(key)
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return &OutboxItem{Kind: XAPIKind, Key: st.ID, ActivityID: activityID, Learner: e.Learner, Payload: payload, NextAt: at}, nil
}

// uuidFrom derives a UUID (version 5 layout over SHA-256) from key, so a
// retried statement keeps its id and the LRS sees one statement.
func uuidFrom(key string) string {
	sum := sha256.Sum256([]byte("astre-xapi|" + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
