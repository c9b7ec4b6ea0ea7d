namespace IvrEngine.Simulator;
