package lti

import (
	"encoding/json"
	"testing"
)

func TestNormalizeLocale(t *testing.T) {
	for in, want := range map[string]string{
		"pt_br": "pt-BR", "en": "en", "EN_us": "en-US", "zh-hans": "zh-Hans", "es-419": "es-419", "": "", "de-CH": "de-CH",
	} {
		if got := NormalizeLocale(in); got != want {
			t.Errorf("NormalizeLocale(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		roles                  []string
		instructor, admin, lrn bool
	}{
		{[]string{RoleLearner}, false, false, true},
		{[]string{RoleInstructor}, true, false, false},
		{[]string{RoleTeachingAssistant}, true, false, false},
		{[]string{"Instructor"}, true, false, false},
		{[]string{RoleSystemAdmin}, true, true, false},
		{[]string{RoleInstitutionAdmin, RoleLearner}, true, true, true},
		{[]string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"}, false, false, false},
		{nil, false, false, false},
	} {
		l := &Launch{Roles: tc.roles}
		if l.IsInstructor() != tc.instructor || l.IsAdministrator() != tc.admin || l.HasRole(RoleLearner) != tc.lrn {
			t.Errorf("%v: got instructor=%v admin=%v learner=%v, want %v %v %v", tc.roles,
				l.IsInstructor(), l.IsAdministrator(), l.HasRole(RoleLearner), tc.instructor, tc.admin, tc.lrn)
		}
	}
}

func TestLenientClaimShapes(t *testing.T) {
	var c ltiClaims
	raw := `{"sub": 42, "https://purl.imsglobal.org/spec/lti/claim/deployment_id": 1,
		"https://purl.imsglobal.org/spec/lti/claim/context": {"id": 2, "type": "CourseSection"},
		"https://purl.imsglobal.org/spec/lti/claim/custom": {"instrument": "entry", "n": 3},
		"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {"accept_multiple": "true", "data": ""}}`
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	if c.Subject != "42" || c.DeploymentID != "1" || c.Context.ID != "2" {
		t.Errorf("got sub=%q deployment=%q context=%q, want 42 1 2", c.Subject, c.DeploymentID, c.Context.ID)
	}
	types, err := stringList(c.Context.Type, true)
	if err != nil || len(types) != 1 || types[0] != "CourseSection" {
		t.Errorf("got context types %v (%v), want [CourseSection]", types, err)
	}
	custom := customValues(c.Custom)
	if custom["instrument"] != "entry" || custom["n"] != "3" {
		t.Errorf("got custom %v", custom)
	}
	if !c.DeepLinking.AcceptMultiple || c.DeepLinking.Data == nil || *c.DeepLinking.Data != "" {
		t.Errorf("got deep linking %+v, want accept_multiple and empty data kept", c.DeepLinking)
	}
	if _, err := stringList(json.RawMessage(`"Learner"`), false); err == nil {
		t.Error("roles as a string: got no error, want one")
	}
}
