package local

import (
	"context"
	"fmt"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/library"
)

// DemoLibrary is the course library SeedLibrary loads: the demo program's
// courses and specialisation, and a few more for the console's search.
var DemoLibrary = []bo.CatalogItem{
	{ID: "python-data-analysis", Type: bo.ItemCourse, Name: "Python for Data Analysis", Slug: "python-data-analysis", University: "Demo University"},
	{ID: "sql-for-analysts", Type: bo.ItemCourse, Name: "SQL for Analysts", Slug: "sql-for-analysts", University: "Demo University"},
	{ID: "practical-statistics", Type: bo.ItemCourse, Name: "Practical Statistics", Slug: "practical-statistics", University: "Demo University"},
	{ID: "data-analyst", Type: bo.ItemSpecialization, Name: "Data Analyst", Slug: "data-analyst", University: "Demo University",
		CourseIDs: []string{"python-data-analysis", "sql-for-analysts", "practical-statistics"}},
	{ID: "machine-learning-intro", Type: bo.ItemCourse, Name: "Introduction to Machine Learning", Slug: "machine-learning-intro", University: "Northgate Institute of Technology"},
	{ID: "data-visualisation", Type: bo.ItemCourse, Name: "Data Visualisation with Charts", Slug: "data-visualisation", University: "Northgate Institute of Technology"},
	{ID: "fundamentals-graphic-design", Type: bo.ItemCourse, Name: "Fundamentals of Graphic Design", Slug: "fundamentals-graphic-design", University: "Westbrook School of Arts"},
	{ID: "modern-art-ideas", Type: bo.ItemCourse, Name: "Modern Art & Ideas", Slug: "modern-art-ideas", University: "Westbrook School of Arts"},
}

// SeedLibrary loads DemoLibrary into the course library as the demo
// platform operator would; loading it again changes nothing. It returns
// the service's error, naming the step.
func SeedLibrary(ctx context.Context, lib *library.Service) error {
	if _, err := lib.Load(ctx, Caller(DemoOperatorEmail, bo.GroupPlatformOperators), library.Load{Items: DemoLibrary}); err != nil {
		return fmt.Errorf("seed the course library: %w", err)
	}
	return nil
}
