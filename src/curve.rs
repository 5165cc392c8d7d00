//! `training-curve.svg`: dev micro F1 and mean training loss against step, one
//! panel each, the kept step marked. Drawn by plotters' SVG backend (text as
//! SVG `<text>`, so no font files are needed).

use plotters::prelude::*;

use crate::report::TrainReport;

/// Size of the picture in pixels.
const SIZE: (u32, u32) = (900, 360);

/// The SVG text of the training curve. Evaluations without dev scores leave
/// the F1 panel empty; an empty report gives empty axes.
pub fn training_curve_svg(report: &TrainReport) -> Result<String, String> {
    let mut svg = String::new();
    draw(report, &mut svg).map_err(|e| format!("drawing the training curve: {e}"))?;
    Ok(svg)
}

fn draw<'a>(
    report: &TrainReport,
    svg: &'a mut String,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let evals = &report.evaluations;
    let max_step = evals.iter().map(|e| e.step).max().unwrap_or(1).max(1) as f64;
    let f1: Vec<(f64, f64)> = evals
        .iter()
        .filter_map(|e| e.dev.as_ref().map(|d| (e.step as f64, d.micro.f1)))
        .collect();
    let loss: Vec<(f64, f64)> = evals
        .iter()
        .filter(|e| e.train_loss.is_finite())
        .map(|e| (e.step as f64, e.train_loss))
        .collect();
    let max_loss = loss.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-3) * 1.1;
    let kept = f1
        .iter()
        .copied()
        .find(|(s, _)| *s as usize == report.best_step);

    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(214, 95, 14);

    let mut chart = ChartBuilder::on(&left)
        .caption("dev micro F1 (strict)", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..max_step, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc("F1")
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    chart.draw_series(LineSeries::new(f1.iter().copied(), blue.stroke_width(2)))?;
    chart.draw_series(f1.iter().map(|&p| Circle::new(p, 3, blue.filled())))?;
    if let Some(p) = kept {
        chart
            .draw_series(std::iter::once(Circle::new(p, 7, orange.stroke_width(2))))?
            .label(format!("kept: step {} (F1 {:.4})", report.best_step, p.1))
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, orange.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }

    let mut chart = ChartBuilder::on(&right)
        .caption(
            "training loss (mean since last evaluation)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..max_step, 0f64..max_loss)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc("loss")
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    chart.draw_series(LineSeries::new(loss.iter().copied(), blue.stroke_width(2)))?;
    chart.draw_series(loss.iter().map(|&p| Circle::new(p, 3, blue.filled())))?;
    let kept_step = report.best_step as f64;
    chart.draw_series(LineSeries::new(
        [(kept_step, 0.0), (kept_step, max_loss)],
        orange.stroke_width(1),
    ))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Evaluation;
    use crate::report::EvalRecord;

    #[test]
    fn draws_both_panels_and_marks_the_kept_step() {
        let dev = Some(Evaluation::default().report());
        let evals = (1..=3)
            .map(|i| EvalRecord {
                epoch: i,
                step: 100 * i,
                train_loss: 1.0 / i as f64,
                dev: dev.clone(),
                best: i == 2,
                elapsed_s: i as f64,
                tokens_per_s: 1.0,
            })
            .collect();
        let report = TrainReport {
            evaluations: evals,
            best_step: 200,
            ..Default::default()
        };
        let svg = training_curve_svg(&report).unwrap();
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{}",
            &svg[..50]
        );
        assert!(svg.contains("dev micro F1") && svg.contains("training loss"));
        assert!(svg.contains("kept: step 200"), "the kept step is labelled");
        assert!(
            svg.contains("<polyline") || svg.contains("<path"),
            "lines are drawn"
        );
        assert!(training_curve_svg(&TrainReport::default()).is_ok());
    }
}
