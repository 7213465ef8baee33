//! Provider functions: `provider::agent37::usd_to_micros` and `micros_to_usd`.

use crate::sdk::traits::{FunctionError, Parameter, Signature};
use crate::sdk::{Function, Type, Value};

use super::money;

pub struct UsdToMicros;

impl Function for UsdToMicros {
    fn name(&self) -> &'static str {
        "usd_to_micros"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter {
                name: "usd",
                ty: Type::String,
                description: "Dollars as an exact decimal, as a string (`\"0.25\"`) or a number (`5`).",
            }],
            return_type: Type::Number,
            summary: "Converts decimal US dollars to integer micros.",
            description: "Converts an exact decimal amount of US dollars to micros (1 USD = 1,000,000 micros), the unit of every `*_micros` attribute. More than six decimal places is an error rather than a rounding.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let text = args.first().and_then(Value::as_str).ok_or(FunctionError {
            text: "usd must be a string or a number.".into(),
            argument: Some(0),
        })?;
        money::usd_to_micros(text)
            .map(Value::number)
            .map_err(|text| FunctionError {
                text,
                argument: Some(0),
            })
    }
}

pub struct MicrosToUsd;

impl Function for MicrosToUsd {
    fn name(&self) -> &'static str {
        "micros_to_usd"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter {
                name: "micros",
                ty: Type::Number,
                description: "A whole number of micros.",
            }],
            return_type: Type::String,
            summary: "Formats integer micros as decimal US dollars.",
            description: "Formats micros as a decimal string of dollars with at least two decimals and no trailing zeros beyond them: `1500000` gives `\"1.50\"`, `114` gives `\"0.000114\"`.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let micros = args.first().and_then(Value::as_i64).ok_or(FunctionError {
            text: "micros must be a whole number of micros.".into(),
            argument: Some(0),
        })?;
        Ok(Value::string(money::micros_to_usd(micros)))
    }
}
