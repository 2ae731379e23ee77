using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtualLan.Appliances;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Runs one native command inside an appliance's network namespace, whatever the kernel calls it
/// (sandbox-prefixed, or a container's /proc/PID/ns/net), and returns its output lines. The command
/// is an argument vector, never a shell line; a non-zero exit sets $LASTEXITCODE and writes an error.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VlanAppliance", DefaultParameterSetName = ScriptBlockSet)]
[OutputType(typeof(string))]
public sealed class InvokeVlanApplianceCommand : VlanCmdlet
{
    private const string ScriptBlockSet = "ScriptBlock";
    private const string ArgumentSet = "Argument";

    /// <summary>Gets or sets the appliance to run the command in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.ApplianceCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the command, as a script block holding one native command line.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>Gets or sets the command as an argument vector: the program, then its arguments (after --).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ArgumentSet, ValueFromRemainingArguments = true)]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            Runtime.DemandPrivileges("Invoke-VlanAppliance");
            var argv = ScriptBlock is null ? ArgumentList : ArgvOf(ScriptBlock);
            var state = Runtime.ReadState();
            var service = new ApplianceService(LanHost, new Docker(Runtime.Runner));
            var listed = service.List(state, live: false).FirstOrDefault(a => a.Name == Name) ?? throw new VlanException(
                ErrorIds.ApplianceNotFound, VlanErrorKind.ObjectNotFound, Name, $"No appliance named '{Name}' is connected in {LanHost.DisplayName}. Run Get-VlanAppliance to see them.");
            var appliance = service.Read(listed.Kind, listed.Name, state) ?? listed;
            var command = ApplianceCommand.For(appliance, argv);
            WriteVerbose(command.ToString());
            var result = Runtime.Runner.Run(command, null, StopToken);
            foreach (var line in Lines(result.StandardOutput))
            {
                WriteObject(line);
            }

            foreach (var line in Lines(result.StandardError))
            {
                WriteInformation(line, new[] { "stderr" });
            }

            SessionState.PSVariable.Set("global:LASTEXITCODE", result.ExitCode);
            if (result.ExitCode != 0)
            {
                var stderr = result.StandardError.Trim();
                throw new VlanException(
                    ErrorIds.ApplianceCommandFailed,
                    VlanErrorKind.CommandFailed,
                    Name,
                    $"'{string.Join(' ', argv)}' in {Name} exited with code {result.ExitCode.ToString(CultureInfo.InvariantCulture)}{(stderr.Length > 0 ? ": " + stderr : ".")}");
            }
        });
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Length == 0 ? Array.Empty<string>() : text.TrimEnd('\n').Split('\n');

    /// <summary>
    /// Reads a script block that holds one native command line into its argument vector: words as
    /// written, variables and expressions evaluated in the caller's scope (an array gives one
    /// argument per element, as PowerShell passes them to native commands).
    /// </summary>
    private string[] ArgvOf(ScriptBlock block)
    {
        var ast = (ScriptBlockAst)block.Ast;
        var statements = ast.EndBlock?.Statements;
        var command = ast.ParamBlock is null && ast.BeginBlock is null && ast.ProcessBlock is null && statements is { Count: 1 }
            && statements[0] is PipelineAst { PipelineElements.Count: 1 } pipeline && pipeline.PipelineElements[0] is CommandAst { Redirections.Count: 0, InvocationOperator: TokenKind.Unknown or TokenKind.Ampersand } c
            ? c
            : throw new VlanException(
                ErrorIds.ApplianceCommandInvalid,
                VlanErrorKind.InvalidArgument,
                block.ToString().Trim(),
                $"The script block {{{block}}} must hold one native command line, such as {{ ping -c1 172.24.0.1 }}: no pipes, redirections, statements or PowerShell code, because it runs inside '{Name}' as an argument vector, not in PowerShell. Run PowerShell code around Invoke-VlanAppliance instead.");
        var argv = new List<string>();
        foreach (var element in command.CommandElements)
        {
            switch (element)
            {
                case StringConstantExpressionAst word:
                    argv.Add(word.Value);
                    break;
                case ConstantExpressionAst constant:
                    argv.Add(constant.Extent.Text);
                    break;
                case CommandParameterAst { Argument: null } parameter:
                    argv.Add(parameter.Extent.Text);
                    break;
                case CommandParameterAst parameter:
                    argv.AddRange(Evaluate(parameter.Argument).Select(v => $"-{parameter.ParameterName}:{v}"));
                    break;
                default:
                    argv.AddRange(Evaluate(element));
                    break;
            }
        }

        return argv.ToArray();
    }

    private IEnumerable<string> Evaluate(Ast expression) =>
        SessionState.InvokeCommand.InvokeScript(expression.Extent.Text)
            .Select(o => LanguagePrimitives.ConvertTo<string>(o?.BaseObject))
            .ToArray();
}
