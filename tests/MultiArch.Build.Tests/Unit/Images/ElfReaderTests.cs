using MultiArch.Build.Images;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Images;

[TestClass]
public sealed class ElfReaderTests
{
    [TestMethod]
    [DataRow(TestElf.X86_64, true, true, "amd64", 64)]
    [DataRow(TestElf.Aarch64, true, true, "arm64", 64)]
    [DataRow(TestElf.Arm, false, true, "arm", 32)]
    [DataRow(TestElf.S390, true, false, "s390x", 64)]
    public void Interpreter_and_dynamic_section_are_read_in_every_class_and_byte_order(ushort machine, bool is64, bool little, string arch, int bits)
    {
        var bytes = TestElf.Build(machine, "/lib/ld-linux.so.3", ["libz.so.1", "libc.so.6"], runPath: ["$ORIGIN/../lib", "/opt/x"], rPath: ["/old"], soName: "libapp.so.2", is64: is64, little: little);

        var elf = ElfReader.Parse(bytes);

        Assert.IsNull(elf.Problem);
        Assert.AreEqual(arch, elf.Identity.Architecture);
        Assert.AreEqual(bits, elf.Identity.Bits);
        Assert.AreEqual("/lib/ld-linux.so.3", elf.Interpreter);
        CollectionAssert.AreEqual(new[] { "libz.so.1", "libc.so.6" }, elf.Needed.ToArray());
        CollectionAssert.AreEqual(new[] { "$ORIGIN/../lib", "/opt/x" }, elf.RunPath.ToArray());
        CollectionAssert.AreEqual(new[] { "/old" }, elf.RPath.ToArray());
        Assert.AreEqual("libapp.so.2", elf.SoName);
        Assert.IsFalse(elf.IsStatic);
    }

    [TestMethod]
    public void A_file_without_interpreter_or_needed_libraries_is_static()
    {
        Assert.IsTrue(ElfReader.Parse(TestElf.Build(TestElf.Aarch64, dynamic: false)).IsStatic);
        Assert.IsTrue(ElfReader.Parse(TestElf.Build(TestElf.Aarch64)).IsStatic, "static-pie: a dynamic section without DT_NEEDED");
    }

    [TestMethod]
    [DataRow(30)]
    [DataRow(100)]
    [DataRow(200)]
    public void A_truncated_file_is_a_problem_not_an_exception(int length)
    {
        var bytes = TestElf.Build(TestElf.X86_64, "/lib64/ld-linux-x86-64.so.2", ["libc.so.6"]);
        var elf = ElfReader.Parse(bytes.AsSpan(0, Math.Min(length, bytes.Length - 1)));
        Assert.IsNotNull(elf.Problem);
    }

    [TestMethod]
    public void Garbage_after_a_valid_header_never_throws()
    {
        var random = new Random(13);
        var template = TestElf.Build(TestElf.X86_64, "/lib64/ld-linux-x86-64.so.2", ["libc.so.6"], runPath: ["/a"]);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])template.Clone();
            for (var j = 0; j < 4; j++)
            {
                bytes[random.Next(6, bytes.Length)] = (byte)random.Next(256);
            }

            _ = ElfReader.Parse(bytes);
        }
    }

    [TestMethod]
    public async Task Only_the_bytes_up_to_the_dynamic_section_are_read_from_the_stream()
    {
        var elf = TestElf.Build(TestElf.Aarch64, "/lib/ld-linux-aarch64.so.1", ["libc.so.6"]);
        var file = elf.Concat(new byte[1_000_000]).ToArray();
        using var stream = new MemoryStream(file);
        var head = new byte[BinaryInspector.HeaderBytes];
        stream.ReadExactly(head);

        var parsed = await ElfReader.ReadAsync(head, stream, file.Length, default);

        Assert.AreEqual("libc.so.6", parsed.Needed.Single());
        Assert.IsTrue(stream.Position < 10_000, $"read {stream.Position} bytes of {file.Length}");
    }
}
