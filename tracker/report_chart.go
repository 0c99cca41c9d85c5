package tracker

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Charts are drawn on the server as SVG: horizontal bars, each with its
// label above it and its value after it, so that long labels in any
// language never need to be cut. Every chart sits next to a table with
// the same numbers, which is what screen readers and printouts use.

// Chart is the geometry of one bar chart, in SVG user units.
type Chart struct {
	Width, Height int
	Bars          []Bar
}

// Bar is one bar: Label on the line above, Text after the bar. A hidden
// value has no bar.
type Bar struct {
	Label        string
	Text         string
	LabelY, BarY int
	Length       float64
	TextX        float64
	Hidden       bool
}

// Chart layout constants.
const (
	chartWidth    = 640
	chartBarMax   = 470
	chartBarH     = 16
	chartRow      = 42
	chartTextGap  = 8
	chartLabelGap = 14
)

// barValue is one value to draw: its share of the longest bar's scale.
type barValue struct {
	label  string
	text   string
	value  float64
	hidden bool
}

// newChart lays out bars scaled to maxValue (the largest value when 0).
func newChart(values []barValue, maxValue float64) Chart {
	if maxValue <= 0 {
		for _, v := range values {
			if !v.hidden && v.value > maxValue {
				maxValue = v.value
			}
		}
	}
	c := Chart{Width: chartWidth, Height: len(values)*chartRow + 4}
	for i, v := range values {
		b := Bar{Label: v.label, Text: v.text, LabelY: i*chartRow + chartLabelGap, BarY: i*chartRow + chartLabelGap + 6, Hidden: v.hidden}
		if !v.hidden && maxValue > 0 {
			b.Length = chartBarMax * v.value / maxValue
		}
		b.TextX = b.Length + chartTextGap
		c.Bars = append(c.Bars, b)
	}
	return c
}

// numbers formats counts and shares in the reader's language.
type numbers struct{ p *message.Printer }

func newNumbers(lang string) numbers {
	return numbers{p: message.NewPrinter(language.Make(lang))}
}

// Count formats a count with the language's digit grouping.
func (n numbers) Count(v int) string { return n.p.Sprint(number.Decimal(v)) }

// Share formats a ratio as a percentage with one decimal.
func (n numbers) Share(v float64) string {
	return n.p.Sprint(number.Percent(v, number.MaxFractionDigits(1)))
}
