using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Publishing;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Publishing;

[TestClass]
public sealed class ImageRecordTests
{
    private static readonly Digest Root = Digest.Compute("index"u8.ToArray());

    private static string Write(string text, string name = "image-record.json")
    {
        var path = Path.Combine(TestDirectories.Create("record"), name);
        File.WriteAllText(path, text);
        return path;
    }

    [TestMethod]
    public void A_record_reads_back_as_written()
    {
        var record = new ImageRecord("127.0.0.1:5000", "acme/op", Root, MediaTypes.OciIndex, [new ImageRecordPlatform("linux/arm64", "sha256:" + new string('1', 64), "Verified")], ImageRecord.VerdictPassed, "/obj/validation.json", []);
        var path = Write(System.Text.Encoding.UTF8.GetString(record.ToJson()));

        var read = ImageRecord.Read(path);

        Assert.AreEqual("127.0.0.1:5000/acme/op@" + Root, read.Image);
        Assert.AreEqual(MediaTypes.OciIndex, read.MediaType);
        Assert.AreEqual("passed", read.Verdict);
        Assert.AreEqual("Verified", read.Platforms.Single().Binary);
        CollectionAssert.AreEqual(record.ToJson(), read.ToJson(), "equal records are equal bytes (no clock in them)");
    }

    [TestMethod]
    [DataRow("", "JSON")]
    [DataRow("[]", "not a JSON object")]
    [DataRow("""{"schemaVersion":2}""", "schemaVersion")]
    [DataRow("""{"schemaVersion":1,"registry":"r.io","repository":"a/b","digest":"sha256:xyz","platforms":[]}""", "not a digest")]
    [DataRow("""{"schemaVersion":1,"registry":"r.io","repository":"A B","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","platforms":[]}""", "registry and repository")]
    [DataRow("""{"schemaVersion":1,"registry":"r.io","repository":"a/b","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}""", "'platforms'")]
    [DataRow("""{"schemaVersion":1,"repository":"a/b"}""", "'registry'")]
    public void Anything_else_is_MULTIARCH7003(string text, string reason)
    {
        var path = Write(text);
        var ex = Assert.ThrowsExactly<ImageRecordException>(() => ImageRecord.Read(path));
        Assert.AreEqual("MULTIARCH7003", ex.Code);
        StringAssert.Contains(ex.Message, reason);
        StringAssert.Contains(ex.Message, path);
    }
}

[TestClass]
public sealed class MergeInputsTests
{
    private static readonly string Record = System.Text.Encoding.UTF8.GetString(new ImageRecord("127.0.0.1:5000", "acme/op", Digest.Compute("x"u8.ToArray()), null, [], ImageRecord.VerdictPassed, null, []).ToJson());

    [TestMethod]
    public void Globs_find_records_in_artifact_folders_in_a_stable_order()
    {
        var dir = TestDirectories.Create("inputs");
        foreach (var arch in new[] { "arm64", "amd64" })
        {
            Directory.CreateDirectory(Path.Combine(dir, "records", $"image-{arch}", "obj"));
            File.WriteAllText(Path.Combine(dir, "records", $"image-{arch}", "obj", "image-record.json"), Record);
        }

        File.WriteAllText(Path.Combine(dir, "records", "notes.txt"), "not a record");

        var deep = MergeInputs.Resolve(["records/**/image-record.json"], dir);
        var shallow = MergeInputs.Resolve(["records/image-*/obj/*.json"], dir);

        CollectionAssert.AreEqual(new[] { "image-amd64", "image-arm64" }, deep.Select(p => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p.Source)))).ToArray());
        CollectionAssert.AreEqual(deep.Select(p => p.Source).ToArray(), shallow.Select(p => p.Source).ToArray());
        Assert.IsTrue(deep.All(p => p.Record is not null && p.Reference.Digest is not null));
    }

    [TestMethod]
    public void A_reference_by_digest_is_a_part_and_a_tag_is_refused()
    {
        var digest = "sha256:" + new string('c', 64);
        var part = MergeInputs.Resolve([$"ghcr.io/acme/op@{digest}"], TestDirectories.Create("ref")).Single();
        Assert.AreEqual("ghcr.io", part.Reference.Registry);
        Assert.IsNull(part.Record);

        var ex = Assert.ThrowsExactly<MultiArchException>(() => MergeInputs.Resolve(["ghcr.io/acme/op:v1"], TestDirectories.Create("ref")));
        Assert.AreEqual("MULTIARCH7004", ex.Code);
    }

    [TestMethod]
    [DataRow("records/**/image-record.json")]
    [DataRow("missing/image-record.json")]
    [DataRow("./image-record.json")]
    public void A_glob_or_file_that_matches_nothing_is_MULTIARCH7002(string entry)
    {
        var ex = Assert.ThrowsExactly<MultiArchException>(() => MergeInputs.Resolve([entry], TestDirectories.Create("none")));
        Assert.AreEqual("MULTIARCH7002", ex.Code);
        StringAssert.Contains(ex.Message, entry);
    }
}
