using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Html;
using Microsoft.DotNet.Interactive.Formatting;
using VisionLab.Training;

namespace VisionLab.Interactive;

/// <summary>
/// One live-updating progress display for a training run in a notebook: a bar for the epoch, the latest
/// step's numbers, and a table of finished epochs, redrawn in place (not thousands of lines). Outside a
/// notebook kernel it prints one line per epoch. It only displays; <see cref="StepHistory"/> records the steps.
/// </summary>
public sealed class NotebookProgress(TimeSpan? refresh = null) : TrainingCallback
{
    readonly TimeSpan _refresh = refresh ?? TimeSpan.FromSeconds(0.5);
    readonly Stopwatch _sinceUpdate = Stopwatch.StartNew();
    readonly List<EpochMetrics> _epochs = new();
    LiveDisplay? _display;
    int _totalEpochs, _firstEpoch;
    StepMetrics? _last;

    public override void OnFitStart(Trainer trainer, int epochs)
    {
        (_totalEpochs, _firstEpoch) = (epochs, trainer.Epoch);
        _display = LiveDisplay.Create(Render(trainer));
    }

    public override void OnBatchEnd(Trainer trainer, StepMetrics step)
    {
        _last = step;
        if (_sinceUpdate.Elapsed < _refresh && step.Batch + 1 < step.Batches) return;
        _sinceUpdate.Restart();
        _display?.Update(Render(trainer));
    }

    public override void OnEpochEnd(Trainer trainer, EpochMetrics epoch)
    {
        _epochs.Add(epoch);
        if (_display is not { IsLive: true }) Console.WriteLine(Line(epoch));
        _display?.Update(Render(trainer));
    }

    static string Line(EpochMetrics e) => FormattableString.Invariant(
        $"epoch {e.Epoch + 1}: loss {e.TrainLoss:F4}, accuracy {e.TrainAccuracy:P1}{(e.ValidationAccuracy is { } v ? FormattableString.Invariant($", validation {v:P1}") : "")}, {e.ImagesPerSecond:F0} images/s, {e.Elapsed.TotalSeconds:F0} s");

    HtmlString Render(Trainer trainer)
    {
        var html = new StringBuilder("<div style=\"font-family:monospace\">");
        int done = _epochs.Count, epochNumber = Math.Min(_firstEpoch + done + 1, _firstEpoch + _totalEpochs);
        double fraction = _last is { } s && done < _totalEpochs ? (s.Batch + 1.0) / s.Batches : 1.0;
        double overall = _totalEpochs == 0 ? 1 : (done + (done < _totalEpochs ? fraction : 0)) / _totalEpochs;
        html.Append(CultureInfo.InvariantCulture, $"<div>epoch {epochNumber}/{_firstEpoch + _totalEpochs} <progress value=\"{overall:F3}\" max=\"1\" style=\"width:300px\"></progress> {overall:P0}</div>");
        if (_last is { } l)
            html.Append(CultureInfo.InvariantCulture,
                $"<div>batch {l.Batch + 1}/{l.Batches} · loss {l.Loss:F4} · accuracy {l.Accuracy:P1} · lr {l.LearningRate:E2} · grad norm {l.GradientNorm:F3} · {l.ImagesPerSecond:F0} images/s{(l.Mixed ? " · MixUp" : "")}</div>");
        if (_epochs.Count > 0)
        {
            html.Append("<table><tr><th>epoch</th><th>train loss</th><th>train acc.</th><th>val. loss</th><th>val. acc.</th><th>lr</th><th>images/s</th><th>seconds</th></tr>");
            foreach (var e in _epochs)
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{e.Epoch + 1}</td><td>{e.TrainLoss:F4}</td><td>{e.TrainAccuracy:P1}</td><td>{e.ValidationLoss:F4}</td><td>{e.ValidationAccuracy:P1}</td><td>{e.LearningRate:E2}</td><td>{e.ImagesPerSecond:F0}</td><td>{e.Elapsed.TotalSeconds:F1}</td></tr>");
            html.Append("</table>");
        }
        html.Append(CultureInfo.InvariantCulture, $"<div><small>{WebUtility.HtmlEncode(trainer.PrecisionNote)}</small></div>");
        return new HtmlString(html.Append("</div>").ToString());
    }

    /// <summary>
    /// A display that can be redrawn in place. Formatting's public Display() announces one DisplayedValue and
    /// returns another with a different id (in the last .NET Interactive release), so its updates reach no front
    /// end; we announce and update the same object. Outside a kernel nothing listens and IsLive is false.
    /// </summary>
    sealed class LiveDisplay
    {
        static readonly MethodInfo? Raise = typeof(Formatter).GetMethod("RaiseFormatterEvent", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DisplayedValue)]);
        readonly DisplayedValue? _value;

        LiveDisplay(DisplayedValue? value) => _value = value;

        public bool IsLive => _value is not null;

        public static LiveDisplay Create(object initial)
        {
            bool inKernel = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Microsoft.DotNet.Interactive");
            if (!inKernel) return new LiveDisplay(null);
            if (Raise is null) return new LiveDisplay(initial.Display(HtmlFormatter.MimeType)); // a later Formatting: its own ids
            var value = new DisplayedValue(initial, FormattedValue.CreateManyFromObject(initial, HtmlFormatter.MimeType));
            Raise.Invoke(null, [value]);
            return new LiveDisplay(value);
        }

        public void Update(object value) => _value?.Update(value);
    }
}
