package httpapi

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
)

// Query parameters shared by the paged lists.
var pageParams = []string{"limit", "cursor"}

// params refuses a query string with parameters the route does not
// document, so that a misspelt filter is never silently ignored (it would
// answer with every row). Each list handler calls it first with the
// parameters its documentation names. Its error is a 422:
// unknown_parameter naming each unknown parameter, repeated_parameter
// naming each parameter given twice (a list reads one value), or
// invalid_query when the query string cannot be read.
func params(c *gin.Context, allowed ...string) error {
	return checkParams(c.Request.URL.RawQuery, allowed)
}

func checkParams(raw string, allowed []string) error {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_query",
			Message: "查询字符串无法解析，请检查百分号编码（如 %E6%A2%85）", Fields: map[string]string{}}
	}
	unknown, repeated, unreadable := map[string]string{}, map[string]string{}, map[string]string{}
	for k, vs := range values {
		switch {
		case !slices.Contains(allowed, k):
			unknown[k] = "不支持的查询参数"
		case len(vs) > 1:
			repeated[k] = k + " 只能给出一次"
		case !readableText(vs[0]):
			unreadable[k] = k + " 含有空字符、控制字符或无效的 UTF-8 编码"
		}
	}
	if len(unknown) > 0 {
		msg := "不支持的查询参数：" + strings.Join(slices.Sorted(maps.Keys(unknown)), "、")
		if len(allowed) > 0 {
			msg += "；本接口支持：" + strings.Join(allowed, "、")
		} else {
			msg += "；本接口不接受查询参数"
		}
		return &apperr.Error{Kind: apperr.Invalid, Code: "unknown_parameter", Message: msg, Fields: unknown}
	}
	if len(repeated) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Code: "repeated_parameter",
			Message: "查询参数重复：" + strings.Join(slices.Sorted(maps.Keys(repeated)), "、"), Fields: repeated}
	}
	if len(unreadable) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_query",
			Message: "查询参数含有无法识别的字符：" + strings.Join(slices.Sorted(maps.Keys(unreadable)), "、"), Fields: unreadable}
	}
	return nil
}

// readableText reports whether v is valid UTF-8 without NUL or other
// control characters (which PostgreSQL refuses in text, or no filter
// value needs), nor characters that turn the direction of text (badText).
func readableText(v string) bool {
	return utf8.ValidString(v) && badText(v, false) == ""
}
