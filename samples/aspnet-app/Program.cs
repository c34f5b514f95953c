using System.Runtime.InteropServices;

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/", () => $"Hello from {RuntimeInformation.OSArchitecture} ({RuntimeInformation.RuntimeIdentifier})\n");
app.MapGet("/healthz", () => Results.Ok());

app.Run();
