using MultiArch.Build.Dockerfiles;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

[TestClass]
public sealed class DockerfileParserTests
{
    private static DockerfileDocument Parse(string text)
    {
        var result = DockerfileParser.Parse(text);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        return result.Document;
    }

    [TestMethod]
    public void Directives_are_read_only_at_the_top()
    {
        var doc = Parse("# syntax=docker/dockerfile:1.7\n#check=skip=all\n# escape=\\\nFROM a\n# syntax=ignored\n");
        CollectionAssert.AreEqual(new[] { "syntax", "check", "escape" }, doc.Directives.Select(d => d.Name).ToArray());
        Assert.AreEqual("docker/dockerfile:1.7", doc.Directives[0].Value);

        var late = Parse("# a comment first\n# syntax=docker/dockerfile:1\nFROM a\n");
        Assert.AreEqual(0, late.Directives.Count);
    }

    [TestMethod]
    [DataRow("FROM a\nRUN echo a \\\n    b \\\n    c\nRUN next", "echo a     b     c", 2, 4)]
    [DataRow("FROM a\nRUN echo a \\\n# dropped comment\n    b\n", "echo a     b", 2, 4)]
    [DataRow("FROM a\nRUN echo a \\\n\n    b\n", "echo a     b", 2, 4)]
    [DataRow("# escape=`\nFROM a\nRUN echo C:\\path `\n    done\n", "echo C:\\path     done", 3, 4)]
    [DataRow("FROM a\r\nRUN echo crlf \\\r\n  ok\r\n", "echo crlf   ok", 2, 3)]
    public void Continuations_join_lines_and_keep_the_start_line(string text, string arguments, int line, int endLine)
    {
        var run = Parse(text).Stages[0].Instructions[0];
        Assert.AreEqual(arguments, run.Arguments);
        Assert.AreEqual(line, run.Line);
        Assert.AreEqual(endLine, run.EndLine);
    }

    [TestMethod]
    public void Heredoc_bodies_are_not_instructions()
    {
        var doc = Parse("FROM a\nRUN <<EOF\nFROM --platform=linux/amd64 evil\nARG TARGETARCH=amd64\nEOF\nCOPY <<-'X' <<Y /dst/\n\tliteral $A\n\tX\nsecond\nY\nRUN after\n");
        Assert.AreEqual(1, doc.Stages.Count);
        var stage = doc.Stages[0];
        Assert.AreEqual(3, stage.Instructions.Count);
        var run = stage.Instructions[0];
        Assert.AreEqual("EOF", run.Heredocs.Single().Name);
        Assert.AreEqual("FROM --platform=linux/amd64 evil\nARG TARGETARCH=amd64\n", run.Heredocs[0].Body);
        var copy = stage.Instructions[1];
        Assert.AreEqual(2, copy.Heredocs.Count);
        Assert.IsFalse(copy.Heredocs[0].Expand);
        Assert.IsTrue(copy.Heredocs[0].StripTabs);
        Assert.AreEqual("literal $A\n", copy.Heredocs[0].Body);
        Assert.AreEqual("second\n", copy.Heredocs[1].Body);
        Assert.AreEqual(11, stage.Instructions[2].Line);
    }

    [TestMethod]
    public void Heredoc_markers_inside_quotes_and_here_strings_are_not_heredocs()
    {
        var doc = Parse("FROM a\nRUN echo \"<<EOF\" && cat <<<word\nRUN next\n");
        Assert.AreEqual(0, doc.Stages[0].Instructions[0].Heredocs.Count);
        Assert.AreEqual(2, doc.Stages[0].Instructions.Count);
    }

    [TestMethod]
    public void Unterminated_heredoc_is_a_syntax_error_with_its_line()
    {
        var result = DockerfileParser.Parse("FROM a\nRUN <<EOF\necho never closed\n");
        Assert.IsTrue(result.HasErrors);
        Assert.AreEqual("MULTIARCH2012", result.Diagnostics[0].Code);
        Assert.AreEqual(2, result.Diagnostics[0].Line);
    }

    [TestMethod]
    public void Json_and_shell_forms()
    {
        var stage = Parse("FROM a\nCMD [\"/bin/app\", \"--flag\"]\nENTRYPOINT /bin/app --x\nRUN [\"broken json\"\n").Stages[0];
        CollectionAssert.AreEqual(new[] { "/bin/app", "--flag" }, stage.Instructions[0].JsonArguments!.ToArray());
        Assert.IsNull(stage.Instructions[1].JsonArguments);
        Assert.IsNull(stage.Instructions[2].JsonArguments, "invalid JSON falls back to the shell form");
    }

    [TestMethod]
    public void Flags_are_parsed_from_the_front()
    {
        var doc = Parse("FROM --platform=$BUILDPLATFORM golang AS Build\nCOPY --link --from=build --chmod=755 a b\nRUN --mount=type=cache,target=/c --mount=type=bind,from=build,target=/s make\n");
        var stage = doc.Stages[0];
        Assert.AreEqual("$BUILDPLATFORM", stage.PlatformFlag);
        Assert.AreEqual("build", stage.Name, "stage names compare lower-cased");
        var copy = stage.Instructions[0];
        Assert.IsNull(copy.Flag("link"));
        Assert.IsTrue(copy.Flags.Any(f => f.Name == "link"));
        Assert.AreEqual("build", copy.Flag("from"));
        Assert.AreEqual("a b", copy.Arguments);
        Assert.AreEqual(2, stage.Instructions[1].FlagValues("mount").Count());
        Assert.AreEqual("make", stage.Instructions[1].Arguments);
    }

    [TestMethod]
    public void Global_args_stages_and_edges()
    {
        var doc = Parse("ARG GO=1.22\nARG BASE\nFROM golang:${GO} AS builder\nARG TARGETOS TARGETARCH=x\nFROM builder AS second\nFROM scratch\nCOPY --from=second /a /a\nCOPY --from=0 /b /b\n");
        CollectionAssert.AreEqual(new[] { "GO", "BASE" }, doc.GlobalArgs.Select(a => a.Name).ToArray());
        Assert.AreEqual("1.22", doc.GlobalArgs[0].DefaultValue);
        Assert.IsNull(doc.GlobalArgs[1].DefaultValue);
        Assert.AreEqual(3, doc.Stages.Count);
        var args = DockerfileParser.ParseArgs(doc.Stages[0].Instructions[0]).ToList();
        CollectionAssert.AreEqual(new[] { "TARGETOS", "TARGETARCH" }, args.Select(a => a.Name).ToArray());
        Assert.AreEqual("x", args[1].DefaultValue);

        var graph = new StageGraph(doc);
        Assert.AreEqual(doc.Stages[2], graph.ImageStage);
        Assert.AreEqual(doc.Stages[0], graph.ParentOf(doc.Stages[1]));
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, graph.FeedingStages.Select(s => s.Index).ToArray());
        Assert.AreEqual(doc.Stages[0], doc.FindStage("0"));
        Assert.AreEqual(doc.Stages[0], doc.FindStage("BUILDER"));
    }

    [TestMethod]
    public void Pins_and_arg_declarations_carry_through_stage_chains()
    {
        var doc = Parse("FROM --platform=$BUILDPLATFORM alpine AS a\nARG TARGETARCH\nFROM a AS b\nFROM b AS c\nRUN echo $TARGETARCH\n");
        var graph = new StageGraph(doc);
        Assert.AreEqual(StagePlatformKind.Build, graph.PlatformOf(doc.Stages[2]).Kind);
        Assert.AreEqual(1, graph.PlatformOf(doc.Stages[2]).DecidedAt.Line);
        Assert.IsTrue(graph.ScopeAt(doc.Stages[2], 5).ContainsKey("TARGETARCH"));
    }

    [TestMethod]
    [DataRow("--platform=$BUILDPLATFORM", nameof(StagePlatformKind.Build))]
    [DataRow("--platform=${BUILDOS}/${BUILDARCH}", nameof(StagePlatformKind.Build))]
    [DataRow("--platform=$TARGETPLATFORM", nameof(StagePlatformKind.Target))]
    [DataRow("--platform=linux/amd64", nameof(StagePlatformKind.Constant))]
    [DataRow("--platform=$P", nameof(StagePlatformKind.Constant))]
    [DataRow("--platform=${UNSET:-$BUILDPLATFORM}", nameof(StagePlatformKind.Build))]
    [DataRow("--platform=$UNSET", nameof(StagePlatformKind.Unknown))]
    [DataRow("", nameof(StagePlatformKind.Target))]
    public void Stage_platform_kinds(string flag, string kind)
    {
        var doc = Parse($"ARG P=linux/arm64\nARG UNSET\nFROM {flag} alpine\n");
        Assert.AreEqual(Enum.Parse<StagePlatformKind>(kind), new StageGraph(doc).PlatformOf(doc.Stages[0]).Kind);
    }

    [TestMethod]
    public void Global_automatic_arg_default_replaces_the_automatic_value()
    {
        var doc = Parse("ARG TARGETPLATFORM=linux/s390x\nFROM --platform=$TARGETPLATFORM alpine\n");
        var platform = new StageGraph(doc).PlatformOf(doc.Stages[0]);
        Assert.AreEqual(StagePlatformKind.Constant, platform.Kind);
        Assert.AreEqual("linux/s390x", platform.Constant!.ToString());
    }

    [TestMethod]
    public void A_stage_on_BUILDPLATFORM_stays_a_build_platform_stage_when_a_global_default_is_reported_instead()
    {
        // MULTIARCH2005 reports the default at the ARG; the stage is judged as what it says it is.
        var doc = Parse("ARG BUILDPLATFORM=linux/s390x\nFROM --platform=$BUILDPLATFORM alpine\n");
        Assert.AreEqual(StagePlatformKind.Build, new StageGraph(doc).PlatformOf(doc.Stages[0]).Kind);
    }

    [TestMethod]
    [DataRow("FROM")]
    [DataRow("RUN echo before from")]
    [DataRow("FROM a\nFOO bar")]
    [DataRow("# just a comment")]
    [DataRow("")]
    [DataRow("FROM a AS")]
    [DataRow("# escape=x\nFROM a")]
    public void Broken_files_are_coded_syntax_errors(string text)
    {
        var result = DockerfileParser.Parse(text, "Dockerfile");
        Assert.IsTrue(result.HasErrors);
        Assert.IsTrue(result.Diagnostics.All(d => d.Code == "MULTIARCH2012" && d.File == "Dockerfile" && d.Line >= 1), string.Join("\n", result.Diagnostics));
    }
}
