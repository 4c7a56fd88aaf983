package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/store"
)

// ImportResponse is an import job.
type ImportResponse struct {
	ID             int64             `json:"id"`
	Kind           string            `json:"kind" enums:"registration,survey,liaisons"`
	Status         string            `json:"status" enums:"queued,running,succeeded,failed"`
	DryRun         bool              `json:"dry_run"`
	OverwriteNewer bool              `json:"overwrite_newer" validate:"required"` // a survey overwrites fields the ledger changed after the file's date
	Filename       string            `json:"filename"`
	Size           int64             `json:"size"`
	Format         string            `json:"format,omitempty" enums:"xlsx,csv"`
	Progress       importer.Progress `json:"progress"`
	Counts         importer.Counts   `json:"counts"`
	Sheet          string            `json:"sheet,omitempty"`
	HeaderRow      int               `json:"header_row,omitempty"`
	UnknownColumns []string          `json:"unknown_columns"`
	Error          *ImportError      `json:"error" extensions:"x-nullable"`
	TownshipCode   *string           `json:"township_code" extensions:"x-nullable"`
	CreatedBy      string            `json:"created_by"`
	Attempts       int               `json:"attempts"`
	CreatedAt      time.Time         `json:"created_at" format:"date-time"`
	StartedAt      *time.Time        `json:"started_at" extensions:"x-nullable" format:"date-time"`
	FinishedAt     *time.Time        `json:"finished_at" extensions:"x-nullable" format:"date-time"`
	ReportURL      string            `json:"report_url"`
}

// ImportError says why a job failed, in Chinese.
type ImportError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ImportPage is one page of import jobs, newest first.
type ImportPage struct {
	Items      []ImportResponse `json:"items"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
}

func (s *Server) toImport(j importer.Job) ImportResponse {
	r := ImportResponse{ID: j.ID, Kind: string(j.Kind), Status: string(j.Status), DryRun: j.DryRun, OverwriteNewer: j.OverwriteNewer,
		Filename: j.Filename, Size: j.Size, Format: string(j.Format), Progress: j.Progress, Counts: j.Counts, Sheet: j.Sheet, HeaderRow: j.HeaderRow,
		UnknownColumns: j.UnknownColumns, TownshipCode: optional(j.Township), CreatedBy: j.CreatedByName, Attempts: j.Attempts,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
		ReportURL: "/api/v1/imports/" + strconv.FormatInt(j.ID, 10) + "/report"}
	if r.UnknownColumns == nil {
		r.UnknownColumns = []string{}
	}
	if j.Status == importer.Failed {
		r.Error = &ImportError{Code: j.ErrorCode, Message: j.ErrorMessage}
	}
	if j.Status == importer.Running && s.workers != nil {
		if p, ok := s.workers.Progress(j.ID); ok {
			r.Progress = p
		}
	}
	return r
}

// idempotencyKey is the request's Idempotency-Key header, trimmed ("" when
// absent): at most maxIdempotencyKey printable ASCII characters.
func idempotencyKey(c *gin.Context) (string, error) {
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if len(key) > maxIdempotencyKey {
		return "", apperr.Field("validation_failed", "Idempotency-Key", "Idempotency-Key 不能超过200个字符")
	}
	for _, r := range key {
		if r < 0x20 || r > 0x7e {
			return "", apperr.Field("validation_failed", "Idempotency-Key", "Idempotency-Key 只能由可见的英文字母、数字和符号组成")
		}
	}
	return key, nil
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

// createImport godoc
//
//	@Summary		Upload a registration export or survey sheet
//	@Description	Multipart form: file (xlsx, or CSV in UTF-8 or GB18030), kind (registration | survey), dry_run (true to check without changing the ledger), overwrite_newer (survey only: true to overwrite ledger fields changed after the file's date — its 填报日期 column, else the upload of the last survey import before the file's first upload; without it such fields are kept, reported with code kept_newer and counted in counts.kept_newer). The content is sniffed, not the file name: anything else is 415; an empty file, a damaged xlsx or one that unpacks beyond 1 GB is 422; an upload over FUGAI_MAX_UPLOAD_MB is 413. The job runs in the background: poll GET /api/v1/imports/{id}. Idempotency-Key: the same key and file return the same job; the same key with another file is 422; while that job still runs, 409. District admins import both kinds; township admins only survey sheets, applied to their own township's ledgers.
//	@Tags			imports
//	@Security		BearerAuth
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			file			formData	file	true	"the spreadsheet"
//	@Param			kind			formData	string	true	"registration, survey or liaisons"	Enums(registration, survey, liaisons)
//	@Param			dry_run			formData	bool	false	"check only"
//	@Param			overwrite_newer	formData	bool	false	"survey only: overwrite ledger fields changed after the file's date"
//	@Param			Idempotency-Key	header		string	false	"a key unique to this upload"
//	@Success		202				{object}	ImportResponse
//	@Success		200				{object}	ImportResponse	"the job an Idempotency-Key already made"
//	@Failure		400				{object}	ErrorBody
//	@Failure		401				{object}	ErrorBody
//	@Failure		403				{object}	ErrorBody
//	@Failure		409				{object}	ErrorBody
//	@Failure		413				{object}	ErrorBody
//	@Failure		415				{object}	ErrorBody
//	@Failure		422				{object}	ErrorBody
//	@Router			/api/v1/imports [post]
func (s *Server) createImport(c *gin.Context) error {
	p := me(c)
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	limit := int64(s.cfg.MaxUploadMB) << 20
	// Refuse what announces itself too large without reading it.
	if c.Request.ContentLength > limit+1<<20 {
		return tooLarge(s.cfg.MaxUploadMB)
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+1<<20)
	up, err := s.receiveUpload(c, limit)
	handed := false // to this process's workers (Workers.Local)
	if up.path != "" {
		defer func() {
			if !handed {
				os.Remove(up.path)
			}
		}()
	}
	if err != nil {
		return err
	}
	kind := importer.Kind(up.kind)
	if !kind.Valid() {
		return apperr.Field("validation_failed", "kind", "kind 须为 registration（登记数据）、survey（调查表）或 liaisons（联络员分配表）")
	}
	township := ""
	if p.Role == auth.TownshipAdmin {
		if kind == importer.Registration {
			return apperr.New(apperr.Forbidden, "forbidden", "街道/乡镇管理员只能导入调查表（kind=survey）和联络员分配表（kind=liaisons），登记数据由区级管理员导入")
		}
		township = p.TownshipCode
	}
	format, err := importer.Check(up.path)
	if err != nil {
		return fileError(err)
	}
	f, err := os.Open(up.path)
	if err != nil {
		return apperr.Wrap(err, "open upload")
	}
	defer f.Close()
	if up.overwriteNewer && kind != importer.Survey {
		return apperr.Field("validation_failed", "overwrite_newer", "overwrite_newer 只适用于调查表（kind=survey）：登记数据和联络员分配表不改动调查项")
	}
	job, created, err := s.db.CreateImport(c.Request.Context(), importer.Job{Kind: kind, DryRun: up.dryRun, OverwriteNewer: up.overwriteNewer,
		Filename: up.filename, Size: up.size, SHA256: up.sha256, IdempotencyKey: key, CreatedBy: p.UserID,
		CreatedByName: p.Username, Township: township, Format: format}, f, actor(c))
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/imports/"+strconv.FormatInt(job.ID, 10))
	if !created {
		c.JSON(http.StatusOK, s.toImport(job))
		return nil
	}
	if s.workers != nil {
		// This process's worker, if it claims the job, reads the upload
		// here instead of back from the database.
		s.workers.Local(job.ID, up.path, true)
		handed = true
		s.workers.Wake()
	}
	c.JSON(http.StatusAccepted, s.toImport(job))
	return nil
}

func tooLarge(mb int) error {
	return apperr.New(apperr.TooLarge, "upload_too_large", fmt.Sprintf("上传的文件超过 %d MB 的上限（FUGAI_MAX_UPLOAD_MB）", mb))
}

// fileError maps the importer's file problems to API errors.
func fileError(err error) error {
	var fe *importer.FileError
	if errors.As(err, &fe) {
		kind := apperr.Invalid
		if fe.Unsupported {
			kind = apperr.Unsupported
		}
		return &apperr.Error{Kind: kind, Code: fe.Code, Message: fe.Message, Fields: map[string]string{"file": fe.Message}}
	}
	return apperr.Wrap(err, "check upload")
}

type upload struct {
	path, filename, kind, sha256 string
	size                         int64
	dryRun, overwriteNewer       bool
}

// receiveUpload streams the multipart body: the file part to a temporary
// file (hashing it on the way), the other parts into fields.
func (s *Server) receiveUpload(c *gin.Context, limit int64) (upload, error) {
	var up upload
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		return up, apperr.New(apperr.Unsupported, "unsupported_media_type", "上传须为 multipart/form-data，文件放在 file 字段")
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return up, apperr.New(apperr.BadRequest, "invalid_multipart", "无法读取上传内容："+err.Error())
	}
	flags := map[string]string{}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return up, uploadError(err, s.cfg.MaxUploadMB)
		}
		// Each field once, and no field the route does not know: a second
		// dry_run=false must not turn a trial into an import.
		name := part.FormName()
		switch {
		case name == "file":
		case name != "kind" && name != "dry_run" && name != "overwrite_newer":
			return up, apperr.Field("unknown_parameter", name, "未知的表单字段 "+name+"（可用：file、kind、dry_run、overwrite_newer）")
		case seen[name]:
			return up, apperr.Field("repeated_parameter", name, name+" 只能出现一次")
		}
		seen[name] = true
		switch name {
		case "file":
			if up.path != "" {
				return up, apperr.Field("validation_failed", "file", "只能上传一个文件")
			}
			tmp, err := importer.CreateTemp(".upload")
			if err != nil {
				return up, apperr.Wrap(err, "temp file")
			}
			up.path, up.filename = tmp.Name(), filepath.Base(part.FileName())
			bad := badText(up.filename, false)
			if !utf8.ValidString(up.filename) {
				bad = "无效的 UTF-8 编码"
			}
			if bad != "" {
				tmp.Close()
				return up, apperr.Field("invalid_text", "file", "文件名含有"+bad+"，请改名后重新上传")
			}
			if utf8.RuneCountInString(up.filename) > 255 {
				tmp.Close()
				return up, apperr.Field("validation_failed", "file", "文件名过长（超过 255 个字符），请改短后重新上传")
			}
			h := sha256.New()
			n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(part, limit+1))
			tmp.Close()
			if err != nil {
				return up, uploadError(err, s.cfg.MaxUploadMB)
			}
			if n > limit {
				return up, tooLarge(s.cfg.MaxUploadMB)
			}
			up.size, up.sha256 = n, hex.EncodeToString(h.Sum(nil))
		case "kind", "dry_run", "overwrite_newer":
			b, err := io.ReadAll(io.LimitReader(part, 100))
			if err != nil {
				return up, uploadError(err, s.cfg.MaxUploadMB)
			}
			if part.FormName() == "kind" {
				up.kind = strings.TrimSpace(string(b))
			} else {
				flags[part.FormName()] = strings.TrimSpace(string(b))
			}
		}
		part.Close()
	}
	if up.path == "" {
		return up, apperr.Field("validation_failed", "file", "请在 file 字段上传 xlsx 或 CSV 文件")
	}
	for _, f := range []struct {
		name string
		p    *bool
	}{{"dry_run", &up.dryRun}, {"overwrite_newer", &up.overwriteNewer}} {
		name, p := f.name, f.p
		if v := flags[name]; v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return up, apperr.Field("validation_failed", name, name+" 须为 true 或 false")
			}
			*p = b
		}
	}
	return up, nil
}

func uploadError(err error, mb int) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mb)
	}
	return apperr.New(apperr.BadRequest, "invalid_multipart", "上传中断或格式有误，请重新上传")
}

// getImport godoc
//
//	@Summary	One import job, with progress and counts
//	@Tags		imports
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"job id"
//	@Success	200	{object}	ImportResponse
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/api/v1/imports/{id} [get]
func (s *Server) getImport(c *gin.Context) error {
	id, err := pathID(c, store.ErrImportNotFound)
	if err != nil {
		return err
	}
	j, err := s.db.Import(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.toImport(j))
	return nil
}

// listImports godoc
//
//	@Summary		Import jobs, newest first
//	@Description	Township admins see their township's jobs.
//	@Tags			imports
//	@Security		BearerAuth
//	@Produce		json
//	@Param			limit	query		int		false	"default 50, max 200"
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	ImportPage
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/imports [get]
func (s *Server) listImports(c *gin.Context) error {
	if err := params(c, pageParams...); err != nil {
		return err
	}
	p := apperr.Problems{}
	limit, cursor := page(c, p)
	if err := p.Err(); err != nil {
		return err
	}
	jobs, err := s.db.Imports(c.Request.Context(), me(c).Scope(), cursor, limit+1)
	if err != nil {
		return err
	}
	out := ImportPage{Items: []ImportResponse{}}
	if len(jobs) > limit {
		jobs = jobs[:limit]
		out.NextCursor = optional(strconv.FormatInt(jobs[len(jobs)-1].ID, 10))
	}
	for _, j := range jobs {
		out.Items = append(out.Items, s.toImport(j))
	}
	c.JSON(http.StatusOK, out)
	return nil
}
