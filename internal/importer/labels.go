package importer

// Kinds lists the kinds of import in display order.
func Kinds() []Kind { return []Kind{Registration, Survey, Liaisons} }

// Statuses lists where a job may stand, in display order.
func Statuses() []Status { return []Status{Queued, Running, Succeeded, Failed} }

// Label is the job status's Chinese name.
func (s Status) Label() string {
	switch s {
	case Queued:
		return "排队中"
	case Running:
		return "进行中"
	case Succeeded:
		return "成功"
	case Failed:
		return "失败"
	}
	return string(s)
}

// Formats lists the file formats the importer reads.
func Formats() []Format { return []Format{XLSX, CSV} }

// Label is the format's Chinese name.
func (f Format) Label() string {
	switch f {
	case XLSX:
		return "Excel 工作簿（.xlsx）"
	case CSV:
		return "CSV 文本"
	}
	return string(f)
}

// Severities lists the severities of a row issue.
func Severities() []Severity { return []Severity{Rejected, Warning} }

// Label is the severity's Chinese name, as the report writes it.
func (s Severity) Label() string {
	switch s {
	case Rejected:
		return "拒绝"
	case Warning:
		return "警告"
	}
	return string(s)
}
