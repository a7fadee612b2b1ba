package branding

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
)

// SVG namespaces.
const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
)

// svgElements are the SVG elements a logo may use: shapes, text, groups,
// gradients, clipping and masking, and <use> of a local fragment. Anything
// else in the SVG namespace (script, foreignObject, image, a, animate,
// set, iframe, ...) refuses the file.
var svgElements = []string{
	"svg", "g", "defs", "symbol", "use", "title", "desc",
	"path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
	"text", "tspan", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern",
	"style", "filter", "feGaussianBlur", "feOffset", "feFlood", "feComposite", "feMerge", "feMergeNode", "feColorMatrix", "feBlend",
}

// svgSkipped are elements dropped with their content: metadata that
// drawing programs write and browsers ignore.
var svgSkipped = []string{"metadata"}

// svgAttributes are the attributes kept. Other attributes without a
// namespace refuse the file when they are event handlers (on*) and are
// dropped otherwise, as are attributes of other namespaces (Inkscape's,
// Sodipodi's).
var svgAttributes = []string{
	"id", "class", "style", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "dx", "dy",
	"width", "height", "viewBox", "preserveAspectRatio", "points", "transform", "version",
	"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
	"stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
	"gradientUnits", "gradientTransform", "spreadMethod", "offset", "stop-color", "stop-opacity",
	"clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits", "patternUnits",
	"patternContentUnits", "patternTransform", "filter", "filterUnits", "primitiveUnits", "in", "in2", "result",
	"stdDeviation", "flood-color", "flood-opacity", "operator", "k1", "k2", "k3", "k4", "values", "type", "mode",
	"font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing",
	"word-spacing", "text-decoration", "display", "visibility", "color", "vector-effect", "shape-rendering",
	"role", "aria-label", "aria-hidden", "focusable", "href",
}

// SanitizeSVG parses body with encoding/xml and writes it back with only
// the allowed elements and attributes. It refuses, rather than repairs,
// what could run or load something: script and every element not on the
// allow-list, event handler attributes, links other than to a fragment of
// the same document, javascript: or other URLs in any value, and styles
// with url() of anything but a fragment, @import or escapes. Comments,
// processing instructions and the DOCTYPE are dropped; entities other
// than XML's own refuse the file.
func SanitizeSVG(body []byte) ([]byte, error) {
	if len(body) > MaxImageBytes {
		return nil, refuse(CodeTooLarge, "the file is %d KiB; at most %d KiB is accepted", (len(body)+1023)/1024, MaxImageBytes>>10)
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var out bytes.Buffer
	depth, skip := 0, 0
	var stack []string
	var style strings.Builder // the text of the open <style>, checked whole at its end
	sawRoot := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, refuse(CodeSVGUnsafe, "the SVG file is not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			if depth == 0 {
				if sawRoot || t.Name.Space != svgNS || t.Name.Local != "svg" {
					return nil, refuse(CodeSVGUnsafe, "the file is not an SVG document (its root must be <svg> in the SVG namespace)")
				}
				sawRoot = true
			}
			if t.Name.Space != svgNS || slices.Contains(svgSkipped, t.Name.Local) {
				skip = 1
				continue
			}
			if !slices.Contains(svgElements, t.Name.Local) {
				return nil, refuse(CodeSVGUnsafe, "the SVG has a <%s> element, which is not allowed in a logo", t.Name.Local)
			}
			if err := writeStart(&out, t, depth == 0); err != nil {
				return nil, err
			}
			stack = append(stack, t.Name.Local)
			depth++
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			depth--
			if stack[len(stack)-1] == "style" {
				if err := checkStyle(style.String()); err != nil {
					return nil, err
				}
				style.Reset()
			}
			out.WriteString("</" + stack[len(stack)-1] + ">")
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if skip > 0 || depth == 0 {
				continue
			}
			if stack[len(stack)-1] == "style" {
				style.Write(t)
			}
			if err := xml.EscapeText(&out, t); err != nil {
				return nil, refuse(CodeSVGUnsafe, "the SVG text cannot be written")
			}
		case xml.Directive:
			if bytes.Contains(t, []byte("ENTITY")) {
				return nil, refuse(CodeSVGUnsafe, "the SVG declares entities, which are not allowed")
			}
		}
	}
	if !sawRoot {
		return nil, refuse(CodeSVGUnsafe, "the file is not an SVG document (its root must be <svg> in the SVG namespace)")
	}
	return out.Bytes(), nil
}

// writeStart writes one allowed element with its allowed attributes.
func writeStart(out *bytes.Buffer, t xml.StartElement, root bool) error {
	out.WriteString("<" + t.Name.Local)
	if root {
		out.WriteString(` xmlns="` + svgNS + `"`)
	}
	for _, a := range t.Attr {
		name, keep, err := svgAttribute(a)
		if err != nil {
			return err
		}
		if !keep {
			continue
		}
		if err := checkAttrValue(t.Name.Local, name, a.Value); err != nil {
			return err
		}
		out.WriteString(" " + name + `="`)
		if err := xml.EscapeText(out, []byte(a.Value)); err != nil {
			return refuse(CodeSVGUnsafe, "the SVG attribute %s cannot be written", name)
		}
		out.WriteString(`"`)
	}
	out.WriteString(">")
	return nil
}

// svgAttribute says whether an attribute is kept and under which name
// (xlink:href becomes href); event handlers refuse the file.
func svgAttribute(a xml.Attr) (string, bool, error) {
	local := a.Name.Local
	if strings.HasPrefix(strings.ToLower(local), "on") {
		return "", false, refuse(CodeSVGUnsafe, "the SVG has an event handler attribute %s, which is not allowed", local)
	}
	switch a.Name.Space {
	case "", svgNS:
		if local == "xmlns" {
			return "", false, nil
		}
		return local, slices.Contains(svgAttributes, local), nil
	case xlinkNS:
		return "href", local == "href", nil
	}
	return "", false, nil
}

// checkAttrValue refuses links other than to a local fragment, and values
// that name a URL scheme or load something.
func checkAttrValue(element, name, value string) error {
	v := strings.ToLower(strings.Join(strings.Fields(value), ""))
	if name == "href" {
		if !strings.HasPrefix(value, "#") || strings.ContainsAny(value, ":/") {
			return refuse(CodeSVGUnsafe, "the SVG links to %q from <%s>; only links to a part of the same file (#id) are allowed", value, element)
		}
		return nil
	}
	if strings.Contains(v, "javascript:") || strings.Contains(v, "data:") || strings.Contains(v, "vbscript:") {
		return refuse(CodeSVGUnsafe, "the SVG attribute %s of <%s> holds a URL, which is not allowed", name, element)
	}
	return checkStyle(value)
}

// checkStyle refuses CSS (a style element or attribute, or a value) that
// loads something: url() of anything but a fragment, @import, escapes
// that could hide either, and expression().
func checkStyle(css string) error {
	v := strings.ToLower(css)
	if strings.Contains(v, "\\") {
		return refuse(CodeSVGUnsafe, "the SVG styles use backslash escapes, which are not allowed")
	}
	if strings.Contains(v, "@import") || strings.Contains(v, "expression(") || strings.Contains(v, "javascript:") {
		return refuse(CodeSVGUnsafe, "the SVG styles import or run something, which is not allowed")
	}
	for rest := v; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return nil
		}
		arg := strings.Trim(strings.TrimSpace(rest[i+4:]), `"'`)
		if !strings.HasPrefix(arg, "#") {
			return refuse(CodeSVGUnsafe, "the SVG styles load url(...) from outside the file, which is not allowed")
		}
		rest = rest[i+4:]
	}
}
