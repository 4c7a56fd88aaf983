package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/textcheck"
)

// maxJSONBody caps JSON request bodies; ledgers and users are small.
const maxJSONBody = 1 << 20

type decoder struct {
	c *gin.Context
}

// jsonBody refuses a request body labelled as anything but JSON (415). An
// unlabelled body is read as JSON.
func jsonBody(c *gin.Context) error {
	ct := c.GetHeader("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return apperr.New(apperr.Unsupported, "unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）")
}

func newDecoder(c *gin.Context) decoder {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	return decoder{c: c}
}

// Decode reads exactly one JSON value into v, refusing unknown fields and
// text no field may hold (checkText).
func (d decoder) Decode(v any) error {
	if err := jsonBody(d.c); err != nil {
		return err
	}
	body, err := io.ReadAll(d.c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "body_too_large", "请求体过大")
		}
		return err
	}
	if err := checkText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("请求体为空")
		}
		return err
	}
	if dec.More() {
		return fmt.Errorf("请求体只能包含一个 JSON 对象")
	}
	return nil
}

// multiLine are the fields of free text that may hold line breaks and
// tabs: notes, needs, reasons, descriptions.
var multiLine = map[string]bool{"notes": true, "needs": true, "business_scope": true, "reason": true,
	"override_reason": true, "end_reason": true, "formation_details": true, "next_steps": true}

// checkText refuses (422 invalid_text, naming the field) a body that is not
// UTF-8, or any of whose keys or strings holds what no text field may
// (badText): NUL — which PostgreSQL refuses — and other control
// characters (line breaks and tabs only in the multiLine fields),
// characters that turn the direction of text (they make a name display as
// another) and noncharacters. A body that is not JSON is left to the
// decoder's own error.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		return apperr.New(apperr.Invalid, "invalid_text", "请求体含有无效的 UTF-8 编码，请以 UTF-8 发送")
	}
	type frame struct {
		path   string // the container's own name ("" at the top)
		object bool
		key    string // in an object: the key of the value being read
		keyed  bool   // in an object: the key is read, its value is next
		index  int    // in an array: the index of the next value
	}
	var stack []*frame
	name := func() (path, field string) { // the value about to be read
		if len(stack) == 0 {
			return "", ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return strings.TrimPrefix(f.path+"."+f.key, "."), f.key
		}
		return f.path + "[" + strconv.Itoa(f.index) + "]", f.path[strings.LastIndexByte(f.path, '.')+1:]
	}
	done := func() { // a value was read
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.keyed = false
		} else {
			f.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a number too large for float64 must not end the walk
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or what the decoder will refuse itself
		}
		if len(stack) > 0 {
			if f := stack[len(stack)-1]; f.object && !f.keyed {
				if k, ok := tok.(string); ok { // a key
					if bad := badText(k, false); bad != "" {
						return textProblem(strings.TrimPrefix(f.path+"."+k, "."), bad)
					}
					f.key, f.keyed = k, true
					continue
				}
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				path, _ := name()
				stack = append(stack, &frame{path: path, object: t == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
		case string:
			path, field := name()
			if bad := badText(t, multiLine[field]); bad != "" {
				return textProblem(path, bad)
			}
		}
		done()
	}
}

// badText names what makes s unfit for a text field ("" when nothing);
// line breaks and tabs pass when lines is true.
func badText(s string, lines bool) string { return textcheck.Problem(s, lines) }

func textProblem(field, what string) error {
	msg := field + " 含有" + what + "，请删除后重新提交"
	return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_text", Message: msg, Fields: map[string]string{field: msg}}
}

// jsonError is a decoding error of code with prefix before its
// description, the field it names (when the decoder knows one) in Fields.
func jsonError(kind apperr.Kind, code, prefix string, err error) error {
	msg := jsonProblem(err)
	e := &apperr.Error{Kind: kind, Code: code, Message: prefix + msg}
	if f := jsonField(err); f != "" {
		e.Fields = map[string]string{f: msg}
	}
	return e
}

// jsonField is the field a decoding error names, "" when none.
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	const unknown = "json: unknown field "
	if msg := err.Error(); strings.HasPrefix(msg, unknown) {
		return strings.Trim(msg[len(unknown):], `"`)
	}
	return ""
}

// jsonProblem describes a decoding error in Chinese, naming the field when
// the decoder knows it.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return "顶层不是对象"
	case errors.As(err, &te):
		return "字段 " + te.Field + " 的类型不正确"
	case errors.As(err, &se):
		return "第 " + strconv.FormatInt(se.Offset, 10) + " 字节附近有语法错误"
	}
	msg := err.Error()
	const unknown = "json: unknown field "
	if len(msg) > len(unknown) && msg[:len(unknown)] == unknown {
		return "未知字段 " + msg[len(unknown):]
	}
	return msg
}

// Page sizes of list routes.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// page reads the keyset pagination parameters limit (default 50, at most
// 200) and cursor (an id from a previous page's next_cursor; 0 when absent),
// recording problems in p.
func page(c *gin.Context, p apperr.Problems) (limit int, cursor int64) {
	limit = pageLimit(c, p)
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			p.Add("cursor", "cursor 无效，请使用上一页返回的 next_cursor")
		}
		cursor = n
	}
	return limit, cursor
}

// bindPartial reads a JSON object for a partial update into v, a struct of
// optional fields: a field left out stays nil; a field v does not have is
// refused with 422, naming it. null clears a text field named in clearable
// (it becomes ""), and is refused for any other: a field that must keep a
// value is left out to stay unchanged, not sent as null.
func bindPartial(c *gin.Context, v any, clearable ...string) error {
	var raw map[string]json.RawMessage // a map: no field is unknown to the decoder
	if err := bindJSON(c, &raw); err != nil {
		return err
	}
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	p := apperr.Problems{}
	unknown := false
	for k, val := range raw {
		switch {
		case !known[k]:
			unknown = true
			p.Add(k, "未知字段，不能修改")
		case string(bytes.TrimSpace(val)) != "null":
		case slices.Contains(clearable, k):
			raw[k] = json.RawMessage(`""`)
		default:
			p.Add(k, "不能为空（null）；不修改的字段请不要放在请求中")
		}
	}
	if err := p.Err(); err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && unknown {
			e.Code, e.Message = "unknown_field", "请求中有不能修改的字段"
		}
		return err
	}
	body, _ := json.Marshal(raw)
	if err := json.Unmarshal(body, v); err != nil {
		return jsonError(apperr.Invalid, "invalid_field", "字段类型不正确：", err)
	}
	return nil
}

// pageLimit reads the page size limit (default 50, at most 200),
// recording a problem in p.
func pageLimit(c *gin.Context, p apperr.Problems) int {
	limit := defaultLimit
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			p.Add("limit", "limit 须为1至200的整数")
		}
		limit = n
	}
	return limit
}
