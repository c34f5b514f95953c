using MultiArch.Build.Images;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Images;

[ServiceTestClass]
public sealed class BinaryInspectorTests
{
    private static byte[] Elf(byte elfClass, byte data, ushort machine) => FakeImages.Elf(elfClass, data, machine);

    [TestMethod]
    [DataRow((byte)2, (byte)1, (ushort)62, "amd64", 64)]
    [DataRow((byte)1, (byte)1, (ushort)3, "386", 32)]
    [DataRow((byte)2, (byte)1, (ushort)183, "arm64", 64)]
    [DataRow((byte)1, (byte)1, (ushort)40, "arm", 32)]
    [DataRow((byte)2, (byte)2, (ushort)22, "s390x", 64)]
    [DataRow((byte)2, (byte)1, (ushort)21, "ppc64le", 64)]
    [DataRow((byte)2, (byte)2, (ushort)21, "ppc64", 64)]
    [DataRow((byte)2, (byte)1, (ushort)243, "riscv64", 64)]
    [DataRow((byte)2, (byte)1, (ushort)258, "loong64", 64)]
    [DataRow((byte)1, (byte)1, (ushort)62, null, 32)]
    [DataRow((byte)2, (byte)1, (ushort)40, null, 64)]
    [DataRow((byte)2, (byte)1, (ushort)9999, null, 64)]
    public void Elf_machine_and_class_map_to_goarch(byte elfClass, byte data, ushort machine, string? arch, int bits)
    {
        var identity = BinaryInspector.Identify(Elf(elfClass, data, machine));
        Assert.AreEqual(BinaryKind.Elf, identity.Kind);
        Assert.AreEqual(arch, identity.Architecture);
        Assert.AreEqual(bits, identity.Bits);
    }

    [TestMethod]
    [DataRow((ushort)0x8664, "amd64")]
    [DataRow((ushort)0xAA64, "arm64")]
    [DataRow((ushort)0x014c, "386")]
    public void Pe_machine(ushort machine, string arch)
    {
        var head = new byte[256];
        head[0] = (byte)'M';
        head[1] = (byte)'Z';
        head[0x3c] = 0x80;
        head[0x80] = (byte)'P';
        head[0x81] = (byte)'E';
        head[0x84] = (byte)(machine & 0xff);
        head[0x85] = (byte)(machine >> 8);
        var identity = BinaryInspector.Identify(head);
        Assert.AreEqual(BinaryKind.PortableExecutable, identity.Kind);
        Assert.AreEqual(arch, identity.Architecture);
    }

    [TestMethod]
    public void Scripts_and_unknown_content()
    {
        var script = BinaryInspector.Identify("#!/usr/bin/env python3\nprint(1)\n"u8);
        Assert.AreEqual(BinaryKind.Script, script.Kind);
        Assert.AreEqual("/usr/bin/env python3", script.Interpreter);
        Assert.AreEqual(BinaryKind.Unknown, BinaryInspector.Identify("hello"u8).Kind);
        Assert.AreEqual(BinaryKind.Unknown, BinaryInspector.Identify([]).Kind);
        Assert.AreEqual(BinaryKind.Unknown, BinaryInspector.Identify("\x7fELF"u8).Kind, "truncated ELF header");
        Assert.AreEqual(BinaryKind.Unknown, BinaryInspector.Identify(new byte[] { (byte)'M', (byte)'Z', 0xff, 0xff }.Concat(new byte[100]).ToArray()).Kind);
    }

    [TestMethod]
    [Requires(RequiresAttribute.Busybox)]
    [DataRow("amd64", "amd64")]
    [DataRow("arm64", "arm64")]
    [DataRow("armhf", "arm")]
    [DataRow("s390x", "s390x")]
    [DataRow("ppc64el", "ppc64le")]
    public void Real_debian_binaries(string debianArch, string goarch)
    {
        var head = Environments.Busybox(debianArch).AsSpan(0, BinaryInspector.HeaderBytes);
        Assert.AreEqual(goarch, BinaryInspector.Identify(head).Architecture);
    }
}
