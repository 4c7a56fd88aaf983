package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// DivisionsResponse is the district with its streets/townships and their
// villages/communities.
type DivisionsResponse struct {
	Code      string             `json:"code" example:"431103"`
	Name      string             `json:"name" example:"冷水滩区"`
	Townships []TownshipResponse `json:"townships"`
}

// TownshipResponse is one street (街道) or township (镇/乡).
type TownshipResponse struct {
	Code   string          `json:"code" example:"431103001"`
	Name   string          `json:"name" example:"梅湾街道"`
	Places []PlaceResponse `json:"places"`
}

// PlaceResponse is one village (村) or community (社区).
type PlaceResponse struct {
	Code         string `json:"code" example:"431103001001"`
	Name         string `json:"name" example:"三多亭社区"`
	OfficialName string `json:"official_name" example:"三多亭社区居委会"`
}

// listDivisions godoc
//
//	@Summary	The district's streets/townships and their villages/communities
//	@Tags		divisions
//	@Security	BearerAuth
//	@Produce	json
//	@Success	200	{object}	DivisionsResponse
//	@Failure	401	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router		/api/v1/divisions [get]
func (s *Server) listDivisions(c *gin.Context) error {
	if err := params(c); err != nil {
		return err
	}
	d := s.district
	out := DivisionsResponse{Code: d.Code, Name: d.Name, Townships: make([]TownshipResponse, len(d.Townships))}
	for i, t := range d.Townships {
		tr := TownshipResponse{Code: t.Code, Name: t.Name, Places: make([]PlaceResponse, len(t.Places))}
		for j, p := range t.Places {
			tr.Places[j] = PlaceResponse{Code: p.Code, Name: p.Name, OfficialName: p.OfficialName}
		}
		out.Townships[i] = tr
	}
	c.JSON(http.StatusOK, out)
	return nil
}
