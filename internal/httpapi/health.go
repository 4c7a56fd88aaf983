package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// StatusResponse is the body of the health probes.
type StatusResponse struct {
	Status string `json:"status" example:"ok"`
}

// healthz godoc
//
//	@Summary	Liveness: the process is up
//	@Tags		probes
//	@Produce	json
//	@Success	200	{object}	StatusResponse
//	@Router		/healthz [get]
func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, StatusResponse{Status: "ok"})
	return nil
}

// readyz godoc
//
//	@Summary	Readiness: the database answers and every migration is applied
//	@Tags		probes
//	@Produce	json
//	@Success	200	{object}	StatusResponse
//	@Failure	503	{object}	ErrorBody
//	@Router		/readyz [get]
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := s.db.Ready(ctx); err != nil {
		return err
	}
	c.JSON(http.StatusOK, StatusResponse{Status: "ready"})
	return nil
}

// openAPI godoc
//
//	@Summary	The OpenAPI (Swagger 2.0) document of this API
//	@Tags		probes
//	@Produce	json
//	@Success	200	{object}	object
//	@Router		/api/openapi.json [get]
func (s *Server) openAPI(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.openapi)
	return nil
}
